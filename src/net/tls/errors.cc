// SPDX-License-Identifier: Apache-2.0
#include "net/tls/errors.h"

#include <string>

namespace xfed::net::tls {
namespace {

class Category : public std::error_category {
public:
  const char* name() const noexcept override { return "xfed.tls"; }
  std::string message(int value) const override {
    switch (static_cast<TlsErrc>(value)) {
      case TlsErrc::HandshakeFailed:
        return "TLS handshake failed";
      case TlsErrc::ProtocolError:
        return "TLS protocol error";
      case TlsErrc::Closed:
        return "TLS connection closed";
      case TlsErrc::Internal:
        return "TLS internal error";
    }
    return "unknown TLS error";
  }
};

}  // namespace

const std::error_category& tlsErrorCategory() noexcept {
  static const Category category;
  return category;
}

}  // namespace xfed::net::tls
