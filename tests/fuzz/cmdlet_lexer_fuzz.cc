// SPDX-License-Identifier: Apache-2.0
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "admin/lexer.h"

namespace {

// Every span must lie inside its statement's source text, at any nesting depth.
void checkSpan(std::size_t offset, std::size_t length, std::size_t source_size) {
  if (offset > source_size || length > source_size - offset) {
    std::abort();
  }
}

void checkValue(const xfed::admin::RawValue& value, std::size_t source_size) {
  checkSpan(value.offset, value.length, source_size);
  for (const auto& item : value.items) {
    checkValue(item, source_size);
  }
  for (const auto& entry : value.entries) {
    checkValue(entry.second, source_size);
  }
}

}  // namespace

// Any input: no crash, no unbounded recursion, and every offset/length within Pipeline::source.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = xfed::admin::parseScript(text);
  if (!result) {
    if (result.error().detail.empty()) {
      std::abort();  // every error says what is wrong
    }
    return 0;
  }
  for (const auto& pipeline : *result) {
    if (pipeline.commands.empty() || pipeline.source.empty()) {
      std::abort();
    }
    for (const auto& command : pipeline.commands) {
      if (command.name.empty() || command.offset >= pipeline.source.size()) {
        std::abort();
      }
      for (const auto& element : command.elements) {
        checkSpan(element.offset, element.length, pipeline.source.size());
        checkValue(element.value, pipeline.source.size());
      }
    }
  }
  return 0;
}
