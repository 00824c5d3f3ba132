// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/migrations.h"

#include <array>

namespace xfed::store {
namespace {

constexpr std::string_view kInitial = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('change_counter', 0);

CREATE TABLE topology_versions (
  version      INTEGER PRIMARY KEY,
  published_at TEXT NOT NULL,
  document     TEXT NOT NULL        -- config/topology_json.h schema
);

CREATE TABLE users (
  sip_address    TEXT PRIMARY KEY COLLATE NOCASE,
  display_name   TEXT NOT NULL,
  registrar_pool TEXT NOT NULL,
  enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  policy         TEXT COLLATE NOCASE,          -- per-user external access policy (tag name)
  ha1_md5        TEXT NOT NULL DEFAULT '',
  ha1_sha256     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX users_by_display_name ON users (display_name COLLATE NOCASE);
CREATE INDEX users_by_policy ON users (policy);

CREATE TABLE external_access_policies (
  scope       TEXT NOT NULL CHECK (scope IN ('global', 'site', 'tag')),
  name        TEXT NOT NULL COLLATE NOCASE,
  enable_federation_access               INTEGER NOT NULL DEFAULT 0,
  enable_xmpp_access                     INTEGER NOT NULL DEFAULT 0,
  enable_public_cloud_access             INTEGER NOT NULL DEFAULT 0,
  enable_public_cloud_audio_video_access INTEGER NOT NULL DEFAULT 0,
  enable_outside_access                  INTEGER NOT NULL DEFAULT 0,
  description TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (scope, name)
);
-- The global policy always exists; Remove-CsExternalAccessPolicy global resets it.
INSERT INTO external_access_policies (scope, name) VALUES ('global', '');

CREATE TABLE xmpp_partners (
  domain           TEXT PRIMARY KEY COLLATE NOCASE,
  partner_type     TEXT NOT NULL,
  tls_negotiation  TEXT NOT NULL,
  sasl_negotiation TEXT NOT NULL,
  support_dialback_negotiation INTEGER NOT NULL,
  enable_keep_alive INTEGER NOT NULL,
  proxy_fqdn       TEXT NOT NULL DEFAULT '',
  connection_limit INTEGER,                    -- NULL: the global PartnerConnectionLimit
  description      TEXT NOT NULL DEFAULT ''
);
CREATE TABLE xmpp_partner_domains (
  domain   TEXT PRIMARY KEY COLLATE NOCASE,
  partner  TEXT NOT NULL REFERENCES xmpp_partners (domain) ON DELETE CASCADE,
  position INTEGER NOT NULL
);
CREATE INDEX xmpp_partner_domains_by_partner ON xmpp_partner_domains (partner);

CREATE TABLE xmpp_gateway_configuration (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  connection_limit              INTEGER NOT NULL DEFAULT 1000,
  partner_connection_limit      INTEGER NOT NULL DEFAULT 20,
  dialback_passphrase           TEXT NOT NULL,
  enable_logging_all_message_bodies INTEGER NOT NULL DEFAULT 0,
  keep_alive_interval           INTEGER NOT NULL DEFAULT 300,
  stream_establishment_timeout  INTEGER NOT NULL DEFAULT 60,
  stream_inactivity_timeout     INTEGER NOT NULL DEFAULT 600,
  subscription_refresh_interval INTEGER NOT NULL DEFAULT 28800
);
-- XEP-0185 needs a secret shared by every edge of the organisation: a random one to start with.
INSERT INTO xmpp_gateway_configuration (id, dialback_passphrase) VALUES (1, lower(hex(randomblob(32))));

CREATE TABLE access_edge_configuration (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  allow_federated_users INTEGER NOT NULL DEFAULT 0
);
INSERT INTO access_edge_configuration (id) VALUES (1);
)sql";

constexpr std::array<Migration, 1> kMigrations{{
    {1, "initial schema", kInitial},
}};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace xfed::store
