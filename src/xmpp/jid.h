// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "core/result.h"

namespace xfed::xmpp {

/** Why a string is not a JID; the name says which part is wrong, Error::detail says how. */
enum class JidErrc {
  EmptyLocalpart = 1,   // "@example.com": an '@' with nothing before it
  LocalpartTooLong,     // more than 1023 octets
  InvalidLocalpart,     // bad UTF-8, or a character RFC 7622 §3.3.1 forbids
  EmptyDomainpart,      // "", "alice@", "/res", "."
  DomainpartTooLong,    // more than 1023 octets
  InvalidDomainpart,    // bad UTF-8 or character, empty or long label, bad IP literal
  EmptyResourcepart,    // "example.com/": a '/' with nothing after it
  ResourcepartTooLong,  // more than 1023 octets
  InvalidResourcepart,  // bad UTF-8, or a control character
};

const std::error_category& jidErrorCategory() noexcept;

inline std::error_code make_error_code(JidErrc errc) {  // ADL hook keeps the std spelling
  return {static_cast<int>(errc), jidErrorCategory()};
}

/**
 * An XMPP address, RFC 7622: [localpart@]domainpart[/resourcepart], held in normalised form,
 * so that two Jids are equal exactly when they address the same entity.
 *
 * Normalisation is what can be done without Unicode tables (no ICU, no libidn):
 * - every part must be valid UTF-8 (no overlong forms, surrogates or code points above
 *   U+10FFFF) and 1-1023 octets long (RFC 7622 §3.1);
 * - domainpart: ASCII letters lower-cased, the ideographic full stops U+3002, U+FF0E and U+FF61
 *   turned into '.' and one trailing '.' removed (§3.2); labels of 1-63 octets; ASCII labels
 *   are letters, digits, '-' (not first or last) and '_'; non-ASCII letters are kept as written
 *   (no IDNA mapping, so an A-label "xn--..." and its U-label are different Jids); a name whose
 *   last label is all digits must be a dotted-quad IPv4 address; an IPv6 address is written
 *   in brackets ("[::1]") and kept in inet_ntop's canonical form (RFC 5952 zero compression,
 *   lower case);
 * - localpart: ASCII letters lower-cased, non-ASCII kept as written (full PRECIS
 *   UsernameCaseMapped needs the Unicode tables); no space, control or " & ' / : < > @
 *   (§3.3.1);
 * - resourcepart: kept as written (PRECIS OpaqueString without NFC); no control characters;
 *   it may contain '@' and '/'.
 * Non-characters (U+FDD0-U+FDEF, U+xFFFE, U+xFFFF) are refused in every part: PRECIS disallows
 * them and XML cannot carry U+FFFE/U+FFFF.
 *
 * Threading: a value type; const methods are safe from any thread.
 */
class Jid {
public:
  static constexpr std::size_t kMaxPartOctets = 1023;  // RFC 7622 §3.1, for each part
  static constexpr std::size_t kMaxLabelOctets = 63;   // RFC 1035 §2.3.4

  /**
   * Parses and normalises a JID. The resourcepart starts at the first '/', the localpart ends
   * at the first '@' before it (RFC 7622 §3.2 steps 1-3). Errors: a JidErrc naming the part.
   */
  static core::Result<Jid> parse(std::string_view text);

  /** Builds a JID from its parts; an empty local or resource means "absent". */
  static core::Result<Jid> fromParts(std::string_view local, std::string_view domain,
                                     std::string_view resource = {});

  std::string_view local() const { return local_; }        // "" when absent
  std::string_view domain() const { return domain_; }      // never empty
  std::string_view resource() const { return resource_; }  // "" when absent

  bool hasLocal() const { return !local_.empty(); }
  bool hasResource() const { return !resource_.empty(); }
  bool isBare() const { return resource_.empty(); }
  bool isDomainOnly() const { return local_.empty() && resource_.empty(); }

  /** "local@domain" or "domain". */
  std::string bare() const;
  /** "local@domain/resource", leaving out absent parts; parse(full()) gives this Jid back. */
  std::string full() const;
  /** This JID without its resourcepart. */
  Jid bareJid() const;

  bool operator==(const Jid& other) const = default;
  bool operator<(const Jid& other) const;  // for ordered containers: by local, domain, resource

  std::size_t hash() const;

private:
  /** Normalises the parts; nullopt means the part is absent, an empty view that it is empty. */
  static core::Result<Jid> assemble(std::optional<std::string_view> local, std::string_view domain,
                                    std::optional<std::string_view> resource);

  Jid(std::string local, std::string domain, std::string resource)
      : local_(std::move(local)), domain_(std::move(domain)), resource_(std::move(resource)) {}

  std::string local_;
  std::string domain_;
  std::string resource_;
};

}  // namespace xfed::xmpp

template <>
struct std::is_error_code_enum<xfed::xmpp::JidErrc> : std::true_type {};

template <>
struct std::hash<xfed::xmpp::Jid> {
  std::size_t operator()(const xfed::xmpp::Jid& jid) const noexcept { return jid.hash(); }
};
