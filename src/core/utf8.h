// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string_view>

namespace xfed::core {

/** One decoded code point; length 0 means the octets at that offset are not valid UTF-8. */
struct CodePoint {
  char32_t value = 0;
  std::size_t length = 0;
};

/**
 * Decodes the well-formed sequence at text[at] (Unicode 15 Table 3-7): refuses overlong forms,
 * surrogates (ED A0..BF), code points above U+10FFFF and truncated or stray sequences.
 */
CodePoint decodeUtf8(std::string_view text, std::size_t at);

}  // namespace xfed::core
