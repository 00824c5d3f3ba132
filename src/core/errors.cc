// SPDX-License-Identifier: Apache-2.0
#include "core/errors.h"

namespace xfed::core {
namespace {

class Category : public std::error_category {
public:
  const char* name() const noexcept override { return "xfed"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::InvalidArgument:
        return "invalid argument";
      case Errc::NotFound:
        return "not found";
      case Errc::AlreadyExists:
        return "already exists";
      case Errc::FailedPrecondition:
        return "failed precondition";
      case Errc::StoreFailure:
        return "store failure";
      case Errc::IoFailure:
        return "I/O failure";
      case Errc::Unavailable:
        return "unavailable";
      case Errc::Internal:
        return "internal error";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& errorCategory() noexcept {
  static const Category category;
  return category;
}

Error makeError(std::error_code code, std::string detail) { return Error{code, std::move(detail)}; }

}  // namespace xfed::core
