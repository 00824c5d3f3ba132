// SPDX-License-Identifier: Apache-2.0
#include "net/tls/identity.h"

#include <cstddef>
#include <memory>
#include <optional>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net/tls/openssl_util.h"

namespace xfed::net::tls {
namespace {

constexpr std::string_view kXmppServerService = "_xmpp-server";  // RFC 6120 §13.7.1.2.1
constexpr std::size_t kMaxNamesInReason = 8;  // keeps a log line short for multi-domain certs

using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, detail::OpensslDeleter<GENERAL_NAMES_free>>;

/** Lower case, one trailing dot removed: the form both sides are compared in. */
std::string normalize(std::string_view name) {
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return detail::asciiLower(name);
}

/** An ASN.1 string's bytes, or nothing when it holds a NUL (a classic spoofing trick). */
std::optional<std::string> stringValue(const ASN1_STRING* value) {
  if (value == nullptr) {
    return std::nullopt;
  }
  const auto* data = reinterpret_cast<const char*>(ASN1_STRING_get0_data(value));
  const std::string_view text(data, static_cast<std::size_t>(ASN1_STRING_length(value)));
  if (text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  return std::string(text);
}

/** Non-empty labels separated by single dots. */
bool hasWellFormedLabels(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') {
    return false;
  }
  return name.find("..") == std::string_view::npos;
}

void addOtherName(const OTHERNAME& other, PresentedIdentifiers& out) {
  const int nid = OBJ_obj2nid(other.type_id);
  if (nid == NID_XmppAddr) {
    // RFC 6120 §13.7.1.4: UTF8String.
    if (other.value == nullptr || other.value->type != V_ASN1_UTF8STRING) {
      out.malformed = true;
      return;
    }
    if (auto value = stringValue(other.value->value.utf8string)) {
      out.xmpp_addrs.push_back(std::move(*value));
    } else {
      out.malformed = true;
    }
  } else if (nid == NID_SRVName) {
    // RFC 4985 §2: IA5String "_Service.Name".
    if (other.value == nullptr || other.value->type != V_ASN1_IA5STRING) {
      out.malformed = true;
      return;
    }
    if (auto value = stringValue(other.value->value.ia5string)) {
      out.srv_ids.push_back(std::move(*value));
    } else {
      out.malformed = true;
    }
  }
}

std::string lastCommonName(X509& cert) {
  const X509_NAME* subject = X509_get_subject_name(&cert);
  int last = -1;
  for (int index = -1; (index = X509_NAME_get_index_by_NID(subject, NID_commonName, index)) >= 0;) {
    last = index;
  }
  if (last < 0) {
    return {};
  }
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) {
    return {};
  }
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out.find('\0') == std::string::npos ? out : std::string();
}

bool matchesSrvId(std::string_view presented, std::string_view domain) {
  const std::size_t dot = presented.find('.');
  if (dot == std::string_view::npos) {
    return false;
  }
  const std::string_view service = presented.substr(0, dot);
  const std::string name = normalize(presented.substr(dot + 1));
  // RFC 6125 §6.5.1: exact match of both parts; no wildcards in SRV-IDs.
  return detail::asciiIequals(service, kXmppServerService) && hasWellFormedLabels(name) &&
         name.find('*') == std::string::npos && name == domain;
}

void appendNames(const std::vector<std::string>& names, std::string_view suffix,
                 std::vector<std::string>& out) {
  for (const std::string& name : names) {
    out.push_back(name + std::string(suffix));
  }
}

std::string describeMismatch(const PresentedIdentifiers& ids, const IdentityOptions& options,
                             std::string_view domain) {
  std::string text;
  if (ids.malformed) {
    text = "certificate has a malformed subjectAltName; ";
  }
  if (!ids.hasSubjectAltNameIds()) {
    if (ids.common_name.empty()) {
      return text + "certificate names nothing (no subjectAltName, no CN), not " +
             std::string(domain);
    }
    if (options.cn_id == CnIdFallback::Never) {
      return text + "certificate has no subjectAltName (its CN " + ids.common_name +
             " is not used, RFC 9525 §6.3), not " + std::string(domain);
    }
    return text + "certificate names CN " + ids.common_name + ", not " + std::string(domain);
  }
  std::vector<std::string> names;
  appendNames(ids.dns_ids, "", names);
  appendNames(ids.srv_ids, " (SRV-ID)", names);
  appendNames(ids.xmpp_addrs, " (XmppAddr)", names);
  appendNames(ids.uri_ids, " (URI)", names);
  text += "certificate names ";
  for (std::size_t i = 0; i < names.size() && i < kMaxNamesInReason; ++i) {
    text += (i == 0 ? "" : ", ") + names[i];
  }
  if (names.size() > kMaxNamesInReason) {
    text += " and " + std::to_string(names.size() - kMaxNamesInReason) + " more";
  }
  return text + ", not " + std::string(domain);
}

IdentityVerdict matched(IdentityRule rule, const std::string& identifier) {
  return IdentityVerdict{rule, identifier, {}};
}

}  // namespace

std::string_view ruleName(IdentityRule rule) {
  switch (rule) {
    case IdentityRule::None:
      return "none";
    case IdentityRule::DnsId:
      return "DNS-ID";
    case IdentityRule::WildcardDnsId:
      return "wildcard DNS-ID";
    case IdentityRule::SrvId:
      return "SRV-ID";
    case IdentityRule::XmppAddr:
      return "XmppAddr";
    case IdentityRule::CnId:
      return "CN-ID";
  }
  return "none";
}

bool matchesDnsId(std::string_view presented_name, std::string_view domain_name) {
  const std::string presented = normalize(presented_name);
  const std::string domain = normalize(domain_name);
  if (!hasWellFormedLabels(presented) || !hasWellFormedLabels(domain) ||
      domain.find('*') != std::string::npos) {
    return false;
  }
  if (presented.find('*') == std::string::npos) {
    return presented == domain;
  }
  // Only "*.<parent>" with no other '*', and <parent> of at least two labels (no "*.net").
  if (presented.size() < 2 || presented[0] != '*' || presented[1] != '.') {
    return false;
  }
  const std::string_view parent = std::string_view(presented).substr(2);
  if (parent.find('*') != std::string_view::npos || parent.find('.') == std::string_view::npos) {
    return false;
  }
  const std::size_t dot = domain.find('.');
  // The wildcard stands for exactly one non-empty label (hasWellFormedLabels: dot > 0).
  return dot != std::string::npos && std::string_view(domain).substr(dot + 1) == parent;
}

PresentedIdentifiers presentedIdentifiers(const PeerCertificate& cert) {
  PresentedIdentifiers out;
  out.common_name = lastCommonName(*cert.native());
  int critical = -1;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.native(), NID_subject_alt_name, &critical, nullptr)));
  if (!names) {
    // -1: absent. -2: repeated (RFC 5280 §4.2 forbids it). Otherwise present but unparsable.
    out.malformed = critical != -1;
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    switch (name->type) {
      case GEN_DNS:
        if (auto value = stringValue(name->d.dNSName)) {
          out.dns_ids.push_back(std::move(*value));
        } else {
          out.malformed = true;
        }
        break;
      case GEN_URI:
        if (auto value = stringValue(name->d.uniformResourceIdentifier)) {
          out.uri_ids.push_back(std::move(*value));
        } else {
          out.malformed = true;
        }
        break;
      case GEN_OTHERNAME:
        addOtherName(*name->d.otherName, out);
        break;
      default:
        break;  // IP addresses, e-mail, directory names: not server identifiers for XMPP
    }
  }
  return out;
}

IdentityVerdict verifyXmppServerIdentity(const PeerCertificate& cert, std::string_view domain_name,
                                         const IdentityOptions& options) {
  const std::string domain = normalize(domain_name);
  if (!hasWellFormedLabels(domain) || domain.find('*') != std::string::npos) {
    return IdentityVerdict{
        IdentityRule::None, {}, "'" + std::string(domain_name) + "' is not a domain to check"};
  }
  const PresentedIdentifiers ids = presentedIdentifiers(cert);
  for (const std::string& name : ids.dns_ids) {
    if (name.find('*') == std::string::npos && matchesDnsId(name, domain)) {
      return matched(IdentityRule::DnsId, name);
    }
  }
  for (const std::string& name : ids.dns_ids) {
    if (name.find('*') != std::string::npos && matchesDnsId(name, domain)) {
      return matched(IdentityRule::WildcardDnsId, name);
    }
  }
  for (const std::string& name : ids.srv_ids) {
    if (matchesSrvId(name, domain)) {
      return matched(IdentityRule::SrvId, name);
    }
  }
  for (const std::string& jid : ids.xmpp_addrs) {
    // A bare domain JID only: "user@example.net" or "example.net/res" never names a server.
    if (normalize(jid) == domain) {
      return matched(IdentityRule::XmppAddr, jid);
    }
  }
  // RFC 6125 §6.4.4: CN-ID only as a last resort, when no SAN identifier is present at all.
  if (options.cn_id == CnIdFallback::WhenNoSubjectAltNames && !ids.hasSubjectAltNameIds() &&
      !ids.malformed && matchesDnsId(ids.common_name, domain)) {
    return matched(IdentityRule::CnId, ids.common_name);
  }
  return IdentityVerdict{
      IdentityRule::None, {}, describeMismatch(ids, options, std::string_view(domain_name))};
}

}  // namespace xfed::net::tls
