// SPDX-License-Identifier: Apache-2.0
#include "core/utf8.h"

namespace xfed::core {
namespace {

bool isContinuation(unsigned char c, unsigned char low = 0x80, unsigned char high = 0xBF) {
  return c >= low && c <= high;
}

}  // namespace

CodePoint decodeUtf8(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t i) -> unsigned char {
    return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0;
  };
  unsigned char b0 = byte(0);
  if (b0 < 0x80) {
    return {b0, 1};
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!isContinuation(byte(1))) {
      return {};
    }
    return {static_cast<char32_t>(((b0 & 0x1F) << 6) | (byte(1) & 0x3F)), 2};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    unsigned char low = b0 == 0xE0 ? 0xA0 : 0x80;   // E0 80..9F would be overlong
    unsigned char high = b0 == 0xED ? 0x9F : 0xBF;  // ED A0..BF would be a surrogate
    if (!isContinuation(byte(1), low, high) || !isContinuation(byte(2))) {
      return {};
    }
    return {static_cast<char32_t>(((b0 & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F)),
            3};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    unsigned char low = b0 == 0xF0 ? 0x90 : 0x80;   // F0 80..8F would be overlong
    unsigned char high = b0 == 0xF4 ? 0x8F : 0xBF;  // F4 90.. would pass U+10FFFF
    if (!isContinuation(byte(1), low, high) || !isContinuation(byte(2)) ||
        !isContinuation(byte(3))) {
      return {};
    }
    return {static_cast<char32_t>(((b0 & 0x07) << 18) | ((byte(1) & 0x3F) << 12) |
                                  ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F)),
            4};
  }
  return {};  // 80..C1 (continuation or overlong lead), F5..FF
}

}  // namespace xfed::core
