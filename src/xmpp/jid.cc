// SPDX-License-Identifier: Apache-2.0
#include "xmpp/jid.h"

#include <arpa/inet.h>

#include <cstdio>
#include <optional>
#include <tuple>

#include "core/utf8.h"

namespace xfed::xmpp {
namespace {

class JidCategory : public std::error_category {
public:
  const char* name() const noexcept override { return "xmpp.jid"; }
  std::string message(int value) const override {
    switch (static_cast<JidErrc>(value)) {
      case JidErrc::EmptyLocalpart:
        return "empty localpart";
      case JidErrc::LocalpartTooLong:
        return "localpart too long";
      case JidErrc::InvalidLocalpart:
        return "invalid localpart";
      case JidErrc::EmptyDomainpart:
        return "empty domainpart";
      case JidErrc::DomainpartTooLong:
        return "domainpart too long";
      case JidErrc::InvalidDomainpart:
        return "invalid domainpart";
      case JidErrc::EmptyResourcepart:
        return "empty resourcepart";
      case JidErrc::ResourcepartTooLong:
        return "resourcepart too long";
      case JidErrc::InvalidResourcepart:
        return "invalid resourcepart";
    }
    return "unknown JID error";
  }
};

core::Error jidError(JidErrc errc, std::string detail) {
  return core::makeError(make_error_code(errc), std::move(detail));
}

// ------------------------------------------------------------------------------------- UTF-8
using core::CodePoint;
using core::decodeUtf8;

/** C0 controls, DEL and C1 controls (Unicode general category Cc). */
bool isControl(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

/** Space separators, line and paragraph separators (Zs, Zl, Zp). */
bool isSpace(char32_t c) {
  return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool isNoncharacter(char32_t c) { return (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE; }

/** "'<' (U+003C)" for printable ASCII, "U+0085" otherwise: never echoes raw peer octets. */
std::string describe(char32_t c) {
  char buffer[24];
  if (c > 0x20 && c < 0x7F) {
    std::snprintf(buffer, sizeof buffer, "'%c' (U+%04X)", static_cast<char>(c),
                  static_cast<unsigned>(c));
  } else {
    std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(c));
  }
  return buffer;
}

std::string invalidUtf8(std::string_view part, std::size_t at) {
  return "the " + std::string(part) + " is not valid UTF-8 at octet " + std::to_string(at);
}

std::string badCharacter(std::string_view part, char32_t c, std::size_t at, std::string_view why) {
  return "the " + std::string(part) + " contains " + describe(c) + " at octet " +
         std::to_string(at) + ", " + std::string(why);
}

std::string tooLong(std::string_view part, std::size_t size) {
  return "the " + std::string(part) + " is " + std::to_string(size) + " octets; at most " +
         std::to_string(Jid::kMaxPartOctets) + " are allowed (RFC 7622 §3.1)";
}

char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// ------------------------------------------------------------------------------- localpart

/** The characters RFC 7622 §3.3.1 excludes from a localpart, on top of PRECIS IdentifierClass. */
bool isForbiddenInLocalpart(char32_t c) {
  switch (c) {
    case '"':
    case '&':
    case '\'':
    case '/':
    case ':':
    case '<':
    case '>':
    case '@':
      return true;
    default:
      return false;
  }
}

core::Result<std::string> normaliseLocal(std::string_view raw) {
  if (raw.empty()) {
    return jidError(JidErrc::EmptyLocalpart, "the localpart before '@' is empty");
  }
  if (raw.size() > Jid::kMaxPartOctets) {
    return jidError(JidErrc::LocalpartTooLong, tooLong("localpart", raw.size()));
  }
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    CodePoint cp = decodeUtf8(raw, i);
    if (cp.length == 0) {
      return jidError(JidErrc::InvalidLocalpart, invalidUtf8("localpart", i));
    }
    char32_t c = cp.value;
    if (isForbiddenInLocalpart(c)) {
      return jidError(JidErrc::InvalidLocalpart,
                      badCharacter("localpart", c, i, "which RFC 7622 §3.3.1 forbids"));
    }
    if (isControl(c) || isSpace(c) || isNoncharacter(c)) {
      return jidError(JidErrc::InvalidLocalpart,
                      badCharacter("localpart", c, i, "but spaces and controls are not allowed"));
    }
    if (c < 0x80) {
      out.push_back(asciiLower(static_cast<char>(c)));
    } else {
      out.append(raw.substr(i, cp.length));  // non-ASCII case mapping needs Unicode tables
    }
    i += cp.length;
  }
  return out;
}

// ------------------------------------------------------------------------------ domainpart

/** "[v6]" -> "[canonical v6]" (inet_ntop: RFC 5952 zero compression, lower case). */
core::Result<std::string> normaliseIpv6Literal(std::string_view raw) {
  constexpr std::string_view kHint = "; an IPv6 address is written in brackets, e.g. [2001:db8::1]";
  if (raw.size() < 3 || raw.back() != ']') {
    return jidError(
        JidErrc::InvalidDomainpart,
        "the domainpart starts with '[' but is not an IPv6 literal" + std::string(kHint));
  }
  std::string inner(raw.substr(1, raw.size() - 2));
  // Only hex digits, ':' and '.': no zone index ("%eth0"), no NUL for inet_pton to stop at.
  bool plain = inner.size() < INET6_ADDRSTRLEN &&
               inner.find_first_not_of("0123456789abcdefABCDEF:.") == std::string::npos;
  in6_addr address{};
  if (!plain || inet_pton(AF_INET6, inner.c_str(), &address) != 1) {
    return jidError(JidErrc::InvalidDomainpart,
                    "the domainpart in brackets is not an IPv6 address" + std::string(kHint));
  }
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, &address, text, sizeof text) == nullptr) {
    return jidError(JidErrc::InvalidDomainpart, "the IPv6 address cannot be written back");
  }
  return "[" + std::string(text) + "]";
}

bool isDigits(std::string_view label) {
  return !label.empty() && label.find_first_not_of("0123456789") == std::string_view::npos;
}

/** 0-255 in decimal without leading zeros. */
bool isDecimalOctet(std::string_view text) {
  if (!isDigits(text) || text.size() > 3 || (text.size() > 1 && text[0] == '0')) {
    return false;
  }
  int value = 0;
  for (char c : text) {
    value = value * 10 + (c - '0');
  }
  return value <= 255;
}

/** A dotted-quad IPv4address of RFC 3986 §3.2.2. */
bool isIpv4(std::string_view text) {
  int octets = 0;
  for (std::size_t start = 0;;) {
    std::size_t dot = text.find('.', start);
    if (++octets > 4 || !isDecimalOctet(text.substr(start, dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) {
      return octets == 4;
    }
    start = dot + 1;
  }
}

core::Result<void> checkLabels(std::string_view domain) {
  std::size_t start = 0;
  std::string_view last;
  while (true) {
    std::size_t dot = domain.find('.', start);
    std::string_view label = domain.substr(start, dot - start);  // to the end when dot is npos
    if (label.empty()) {
      return jidError(JidErrc::InvalidDomainpart, "the domainpart has an empty label at octet " +
                                                      std::to_string(start) +
                                                      " (a leading '.' or two '.' in a row)");
    }
    if (label.size() > Jid::kMaxLabelOctets) {
      return jidError(JidErrc::InvalidDomainpart,
                      "the domainpart has a label of " + std::to_string(label.size()) +
                          " octets at octet " + std::to_string(start) + "; at most " +
                          std::to_string(Jid::kMaxLabelOctets) + " are allowed");
    }
    if (label.front() == '-' || label.back() == '-') {
      return jidError(JidErrc::InvalidDomainpart,
                      "the domainpart has a label that starts or ends with '-' at octet " +
                          std::to_string(start));
    }
    last = label;
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  // No top-level domain is all digits (RFC 3696 §2), so such a name is meant as an address.
  if (isDigits(last) && !isIpv4(domain)) {
    return jidError(JidErrc::InvalidDomainpart,
                    "the domainpart ends in a numeric label but is not an IPv4 address (four "
                    "numbers 0-255 without leading zeros)");
  }
  return core::ok();
}

core::Result<std::string> normaliseDomain(std::string_view raw) {
  if (raw.empty()) {
    return jidError(JidErrc::EmptyDomainpart, "the domainpart is empty");
  }
  if (raw.front() == '[') {
    return normaliseIpv6Literal(raw);
  }
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    CodePoint cp = decodeUtf8(raw, i);
    if (cp.length == 0) {
      return jidError(JidErrc::InvalidDomainpart, invalidUtf8("domainpart", i));
    }
    char32_t c = cp.value;
    if (c < 0x80) {
      char ascii = asciiLower(static_cast<char>(c));
      bool ldh = (ascii >= 'a' && ascii <= 'z') || (ascii >= '0' && ascii <= '9') || ascii == '-';
      // COMPAT: '_' is not LDH, but stringprep-era servers (RFC 6122 nameprep) accepted it and
      // it appears in internal host names.
      if (!ldh && ascii != '.' && ascii != '_') {
        std::string_view why = c == ':' ? "which is allowed only in a bracketed IPv6 address"
                                        : "but a domain label is letters, digits, '-' and '_'";
        return jidError(JidErrc::InvalidDomainpart, badCharacter("domainpart", c, i, why));
      }
      out.push_back(ascii);
    } else if (c == 0x3002 || c == 0xFF0E || c == 0xFF61) {
      out.push_back('.');  // RFC 7622 §3.2.1: label separators are converted to U+002E
    } else if (isControl(c) || isSpace(c) || isNoncharacter(c)) {
      return jidError(JidErrc::InvalidDomainpart,
                      badCharacter("domainpart", c, i, "but spaces and controls are not allowed"));
    } else {
      out.append(raw.substr(i, cp.length));  // a U-label letter, kept (no IDNA mapping)
    }
    i += cp.length;
  }
  if (out.back() == '.') {
    out.pop_back();  // RFC 7622 §3.2: the final label separator is stripped
  }
  if (out.empty()) {
    return jidError(JidErrc::EmptyDomainpart, "the domainpart is only a '.'");
  }
  if (out.size() > Jid::kMaxPartOctets) {
    return jidError(JidErrc::DomainpartTooLong, tooLong("domainpart", out.size()));
  }
  XFED_TRY(checkLabels(out));
  return out;
}

// ---------------------------------------------------------------------------- resourcepart

core::Result<std::string> normaliseResource(std::string_view raw) {
  if (raw.empty()) {
    return jidError(JidErrc::EmptyResourcepart, "the resourcepart after '/' is empty");
  }
  if (raw.size() > Jid::kMaxPartOctets) {
    return jidError(JidErrc::ResourcepartTooLong, tooLong("resourcepart", raw.size()));
  }
  for (std::size_t i = 0; i < raw.size();) {
    CodePoint cp = decodeUtf8(raw, i);
    if (cp.length == 0) {
      return jidError(JidErrc::InvalidResourcepart, invalidUtf8("resourcepart", i));
    }
    if (isControl(cp.value) || isNoncharacter(cp.value)) {
      return jidError(
          JidErrc::InvalidResourcepart,
          badCharacter("resourcepart", cp.value, i, "but control characters are not allowed"));
    }
    i += cp.length;
  }
  return std::string(raw);
}

}  // namespace

const std::error_category& jidErrorCategory() noexcept {
  static const JidCategory category;
  return category;
}

core::Result<Jid> Jid::parse(std::string_view text) {
  // RFC 7622 §3.2: the resourcepart is everything after the first '/', then the localpart is
  // everything before the first '@' of what remains.
  std::optional<std::string_view> resource;
  std::string_view bare = text;
  if (std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    resource = text.substr(slash + 1);
    bare = text.substr(0, slash);
  }
  std::optional<std::string_view> local;
  std::string_view domain = bare;
  if (std::size_t at = bare.find('@'); at != std::string_view::npos) {
    local = bare.substr(0, at);
    domain = bare.substr(at + 1);
  }
  return assemble(local, domain, resource);
}

core::Result<Jid> Jid::fromParts(std::string_view local, std::string_view domain,
                                 std::string_view resource) {
  auto present = [](std::string_view part) {
    return part.empty() ? std::nullopt : std::optional<std::string_view>(part);
  };
  return assemble(present(local), domain, present(resource));
}

core::Result<Jid> Jid::assemble(std::optional<std::string_view> local, std::string_view domain,
                                std::optional<std::string_view> resource) {
  std::string local_out;
  if (local) {
    XFED_ASSIGN_OR_RETURN(local_out, normaliseLocal(*local));
  }
  std::string domain_out;
  XFED_ASSIGN_OR_RETURN(domain_out, normaliseDomain(domain));
  std::string resource_out;
  if (resource) {
    XFED_ASSIGN_OR_RETURN(resource_out, normaliseResource(*resource));
  }
  return Jid(std::move(local_out), std::move(domain_out), std::move(resource_out));
}

std::string Jid::bare() const {
  if (local_.empty()) {
    return domain_;
  }
  std::string out;
  out.reserve(local_.size() + 1 + domain_.size());
  out.append(local_).append("@").append(domain_);
  return out;
}

std::string Jid::full() const {
  std::string out = bare();
  if (!resource_.empty()) {
    out.append("/").append(resource_);
  }
  return out;
}

Jid Jid::bareJid() const { return Jid(local_, domain_, {}); }

bool Jid::operator<(const Jid& other) const {
  return std::tie(local_, domain_, resource_) <
         std::tie(other.local_, other.domain_, other.resource_);
}

std::size_t Jid::hash() const {
  std::hash<std::string_view> h;
  std::size_t seed = h(local_);
  for (std::string_view part : {std::string_view(domain_), std::string_view(resource_)}) {
    seed ^= h(part) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);  // boost::hash_combine
  }
  return seed;
}

}  // namespace xfed::xmpp
