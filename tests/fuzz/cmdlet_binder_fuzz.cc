// SPDX-License-Identifier: Apache-2.0
// Any text as an xfedctl line: lexing and binding against every real command never crash, and
// every refusal carries a message.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "admin/binder.h"
#include "admin/lexer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto script = xfed::admin::parseScript(text);
  if (!script) {
    return 0;
  }
  const auto& registry = xfed::admin::registry();
  for (const auto& pipeline : *script) {
    for (std::size_t i = 0; i < pipeline.commands.size(); ++i) {
      auto bound = xfed::admin::bindCommand(registry, pipeline.commands[i], i > 0);
      if (!bound && bound.error().detail.empty()) {
        std::abort();
      }
      (void)xfed::admin::renderCall(pipeline.commands[i]);
    }
  }
  return 0;
}
