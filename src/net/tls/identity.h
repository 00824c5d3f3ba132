// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/tls/peer_certificate.h"

namespace xfed::net::tls {

/**
 * Service identity checks for XMPP servers: RFC 6125 (obsoleted by RFC 9525) as profiled by
 * RFC 6120 §13.7.1.2 / §13.7.2.1 and XEP-0178 §3. Pure functions over a certificate; the chain
 * is verified elsewhere (TlsEngine::chainVerified), so a verdict here says nothing about trust.
 *
 * Reference identifiers are built from the domain sought (the JID domain, never an SRV target):
 *   DNS-ID   example.net                      subjectAltName dNSName, exact or "*.parent"
 *   SRV-ID   _xmpp-server.example.net         otherName id-on-dnsSRV (RFC 4985), exact
 *   XmppAddr example.net                      otherName id-on-xmppAddr (1.3.6.1.5.5.7.8.5), exact
 *   CN-ID    example.net                      subject CN, only when allowed and the certificate
 *                                             has no DNS-ID, SRV-ID, XmppAddr or URI-ID at all
 * Comparison: ASCII case-insensitive, one trailing dot ignored on either side, no IDNA
 * (A-labels compare as ASCII; U-labels never match an A-label).
 * Wildcards (RFC 9525 §6.3, RFC 6125 §6.4.3): only in a DNS-ID (or CN-ID), only as the complete
 * left-most label ("*.example.net"), matching exactly one non-empty label, and never directly
 * above a single-label name ("*.net" matches nothing). Partial-label wildcards ("x*.example.net",
 * "*x.example.net") and wildcards in other positions match nothing.
 */

/** Which presented identifier matched. */
enum class IdentityRule {
  None,           // nothing matched; IdentityVerdict::reason says why
  DnsId,          // dNSName equal to the domain
  WildcardDnsId,  // dNSName "*.<parent>", the domain being one label under <parent>
  SrvId,          // id-on-dnsSRV "_xmpp-server.<domain>"
  XmppAddr,       // id-on-xmppAddr equal to the domain
  CnId,           // subject CN, by the fallback rule (CnIdFallback::WhenNoSubjectAltNames)
};

/** "DNS-ID", "wildcard DNS-ID", "SRV-ID", "XmppAddr", "CN-ID", "none": for logs. */
std::string_view ruleName(IdentityRule rule);

/**
 * The CN-ID fallback. RFC 6125 §6.4.4 allowed it as a last resort; RFC 9525 §6.3 forbids it,
 * and CA/Browser Forum certificates always carry SANs, so a certificate without SANs comes from
 * a private or self-made CA. We follow RFC 9525 by default; WhenNoSubjectAltNames is the
 * RFC 6125 behaviour, for a partner setting if an old private PKI ever needs it.
 */
enum class CnIdFallback {
  Never,
  WhenNoSubjectAltNames,
};

struct IdentityOptions {
  CnIdFallback cn_id = CnIdFallback::Never;
};

struct IdentityVerdict {
  IdentityRule rule = IdentityRule::None;
  /** The presented identifier that matched, as the certificate spells it ("*.example.net"). */
  std::string identifier;
  /** When nothing matched, for the log: "certificate names xmpp.other.org, not example.net". */
  std::string reason;

  bool matched() const { return rule != IdentityRule::None; }
  explicit operator bool() const { return matched(); }
};

/**
 * Checks that cert names the XMPP server domain (the domain sought, RFC 6120 §13.7.2.1).
 * Never fails: a malformed or empty certificate name list is a non-match with a reason.
 * Threading: pure; any thread.
 */
IdentityVerdict verifyXmppServerIdentity(const PeerCertificate& cert, std::string_view domain,
                                         const IdentityOptions& options = {});

/** The identifiers a certificate presents, as spelled in it (for logs and SNI selection). */
struct PresentedIdentifiers {
  std::vector<std::string> dns_ids;     // subjectAltName dNSName
  std::vector<std::string> srv_ids;     // otherName id-on-dnsSRV, any service
  std::vector<std::string> xmpp_addrs;  // otherName id-on-xmppAddr, any JID
  std::vector<std::string> uri_ids;     // uniformResourceIdentifier: never matched, blocks CN-ID
  std::string common_name;              // the most specific (last) subject CN; empty if none
  bool malformed = false;  // unparsable or repeated subjectAltName, or a name with a NUL byte

  /** RFC 6125 §6.4.4: any of these rules out the CN-ID fallback. */
  bool hasSubjectAltNameIds() const {
    return !dns_ids.empty() || !srv_ids.empty() || !xmpp_addrs.empty() || !uri_ids.empty();
  }
};

PresentedIdentifiers presentedIdentifiers(const PeerCertificate& cert);

/**
 * One presented DNS-ID against one reference domain, with the rules above. Also used to pick
 * the server certificate for an SNI host name. False for an empty or malformed name.
 */
bool matchesDnsId(std::string_view presented, std::string_view domain);

}  // namespace xfed::net::tls
