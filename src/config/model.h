// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The objects of the Central Management Store, with the defaults of
// shared/spec/lync-xmpp-spec.md §1.2-§1.5. Plain data: validation is in config/validation.h,
// persistence in store/.
namespace xfed::config {

// ---------------------------------------------------------------------------------- topology

struct Machine {
  std::string fqdn;
  std::string internal_address;  // front end: the only address; edge: the internal interface
  std::string external_address;  // edge only
};

struct FrontEndPool {
  std::string fqdn;
  std::string site;
  std::uint16_t sip_port = 5060;      // UDP and TCP
  std::uint16_t sip_tls_port = 5061;
  std::vector<Machine> machines;
};

struct EdgePool {
  std::string fqdn;                  // internal FQDN of the pool
  std::string external_fqdn;         // Access Edge FQDN the _xmpp-server._tcp SRV points at
  std::string site;
  std::string internal_address;
  std::string external_address;
  std::uint16_t xmpp_port = 5269;      // external, s2s
  std::uint16_t internal_port = 23456; // gateway <-> edge link, mutual TLS
  bool xmpp_federation_enabled = false;
  std::vector<Machine> machines;
};

struct Site {
  std::string name;
  std::string description;
  std::optional<std::string> xmpp_federation_route;  // FQDN of an edge pool
};

struct SipDomain {
  std::string name;
  bool is_default = false;
};

struct Topology {
  int version = 0;            // assigned by the store on publish
  std::string published_at;   // ISO 8601 UTC, assigned by the store
  std::vector<SipDomain> sip_domains;
  std::vector<Site> sites;
  std::vector<FrontEndPool> front_end_pools;
  std::vector<EdgePool> edge_pools;

  const Site* findSite(std::string_view name) const;
  Site* findSite(std::string_view name);
  const FrontEndPool* findFrontEndPool(std::string_view fqdn) const;
  const EdgePool* findEdgePool(std::string_view fqdn) const;
  const SipDomain* findSipDomain(std::string_view name) const;
  std::string defaultSipDomain() const;
};

// ---------------------------------------------------------------------------------- users

struct User {
  std::string sip_address;    // "sip:alice@contoso.test", lower case
  std::string display_name;
  std::string registrar_pool;  // FQDN of a front end pool
  bool enabled = true;
  std::optional<std::string> external_access_policy;  // per-user policy name, without "tag:"
  // Digest HA1 values (RFC 2617 / RFC 8760), realm = the user's SIP domain. Never the password.
  std::string ha1_md5;
  std::string ha1_sha256;

  std::string userPart() const;    // "alice"
  std::string domainPart() const;  // "contoso.test"
};

// ---------------------------------------------------------------------- external access policy

enum class PolicyScope { Global, Site, Tag };

struct ExternalAccessPolicy {
  PolicyScope scope = PolicyScope::Global;
  std::string name;  // site name or tag name; empty for global
  bool enable_federation_access = false;
  bool enable_xmpp_access = false;
  bool enable_public_cloud_access = false;
  bool enable_public_cloud_audio_video_access = false;
  bool enable_outside_access = false;
  std::string description;

  /** "Global", "Site:Redmond", "Tag:FedPic" as Lync prints it. */
  std::string identity() const;
};

// ---------------------------------------------------------------------------- access edge

struct AccessEdgeConfiguration {
  bool allow_federated_users = false;
};

// ---------------------------------------------------------------------------- XMPP partners

enum class PartnerType { Federated, PublicVerified, PublicUnverified };
enum class Negotiation { Required, Optional, NotSupported };

struct XmppPartner {
  std::string domain;  // primary domain
  std::vector<std::string> additional_domains;
  PartnerType partner_type = PartnerType::PublicUnverified;
  Negotiation tls_negotiation = Negotiation::Required;
  Negotiation sasl_negotiation = Negotiation::Required;
  bool support_dialback_negotiation = true;
  bool enable_keep_alive = true;
  std::string proxy_fqdn;
  std::optional<std::uint32_t> connection_limit;  // none: the global PartnerConnectionLimit
  std::string description;
};

// ---------------------------------------------------------------------------- XMPP gateway

struct XmppGatewayConfiguration {
  std::uint32_t connection_limit = 1000;
  std::uint32_t partner_connection_limit = 20;
  std::string dialback_passphrase;  // empty: a random secret generated for the data directory
  bool enable_logging_all_message_bodies = false;
  std::uint32_t keep_alive_interval = 300;           // seconds
  std::uint32_t stream_establishment_timeout = 60;   // seconds
  std::uint32_t stream_inactivity_timeout = 600;     // seconds
  std::uint32_t subscription_refresh_interval = 28800;  // seconds
};

// ---------------------------------------------------------------------------- names

std::string_view toString(PartnerType type);
std::string_view toString(Negotiation negotiation);
std::string_view toString(PolicyScope scope);
std::optional<PartnerType> parsePartnerType(std::string_view text);    // case-insensitive
std::optional<Negotiation> parseNegotiation(std::string_view text);    // case-insensitive

/**
 * Normalises a SIP address: "Alice@Contoso.test" or "sip:alice@contoso.test" ->
 * "sip:alice@contoso.test". Returns nullopt when it is not user@domain.
 */
std::optional<std::string> normalizeSipAddress(std::string_view text);

}  // namespace xfed::config
