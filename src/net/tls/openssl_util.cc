// SPDX-License-Identifier: Apache-2.0
#include "net/tls/openssl_util.h"

#include <array>

#include <openssl/err.h>

namespace xfed::net::tls::detail {

std::string drainOpensslErrors(std::string_view fallback) {
  std::string out;
  const char* data = nullptr;
  int flags = 0;
  while (const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!out.empty()) {
      out += "; ";
    }
    out += buffer.data();
    if (data != nullptr && *data != '\0' && (flags & ERR_TXT_STRING) != 0) {
      out += " (";
      out += data;
      out += ')';
    }
  }
  return out.empty() ? std::string(fallback) : out;
}

char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string asciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = asciiLower(c);
  }
  return out;
}

bool asciiIequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace xfed::net::tls::detail
