// SPDX-License-Identifier: Apache-2.0
#include "store/sqlite/sqlite_config_store.h"

#include <sqlite3.h>

#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <thread>

#include "config/defaults.h"
#include "config/topology_json.h"
#include "core/errors.h"
#include "store/sqlite/migrations.h"

namespace xfed::store {
namespace {

using core::Errc;
using core::Result;

constexpr int kBusyTimeoutMs = 10'000;  // a concurrent xfedctl holds the write lock briefly

std::string nowIso8601() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

/** A prepared statement borrowed from the connection's cache; reset when it goes away. */
class Statement {
public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  Statement& bind(int index, std::string_view text) {
    // An empty view may have a null data(), which SQLite would bind as NULL.
    sqlite3_bind_text(stmt_, index, text.data() != nullptr ? text.data() : "",
                      static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bindOptional(int index, const std::optional<std::string>& text) {
    if (text) {
      return bind(index, std::string_view(*text));
    }
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& bindOptional(int index, std::optional<std::int64_t> value) {
    if (value) {
      return bind(index, *value);
    }
    sqlite3_bind_null(stmt_, index);
    return *this;
  }
  Statement& bindBool(int index, bool value) { return bind(index, std::int64_t{value ? 1 : 0}); }

  /** true: a row is ready; false: done. */
  Result<bool> step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
      return true;
    }
    if (rc == SQLITE_DONE) {
      return false;
    }
    return core::fail(Errc::StoreFailure, std::string("SQLite: ") + sqlite3_errmsg(db_));
  }
  Result<void> run() {
    XFED_ASSIGN_OR_RETURN(bool row, step());
    (void)row;
    return core::ok();
  }

  std::string text(int column) const {
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::optional<std::string> optionalText(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) {
      return std::nullopt;
    }
    return text(column);
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  bool boolean(int column) const { return integer(column) != 0; }

private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

constexpr const char* kUserColumns =
    "sip_address, display_name, registrar_pool, enabled, policy, ha1_md5, ha1_sha256";

config::User readUser(const Statement& s) {
  config::User u;
  u.sip_address = s.text(0);
  u.display_name = s.text(1);
  u.registrar_pool = s.text(2);
  u.enabled = s.boolean(3);
  u.external_access_policy = s.optionalText(4);
  u.ha1_md5 = s.text(5);
  u.ha1_sha256 = s.text(6);
  return u;
}

config::PolicyScope scopeFromText(const std::string& text) {
  if (text == "site") {
    return config::PolicyScope::Site;
  }
  if (text == "tag") {
    return config::PolicyScope::Tag;
  }
  return config::PolicyScope::Global;
}

/** LIKE pattern for a PowerShell wildcard; '\' escapes LIKE's own metacharacters. */
std::string likePattern(std::string_view wildcard) {
  std::string out;
  for (char c : wildcard) {
    switch (c) {
      case '*':
        out += '%';
        break;
      case '?':
        out += '_';
        break;
      case '%':
      case '_':
      case '\\':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

class SqliteConfigStore final : public ConfigStore {
public:
  explicit SqliteConfigStore(sqlite3* db) : db_(db) {}
  ~SqliteConfigStore() override {
    for (auto& [sql, stmt] : cache_) {
      sqlite3_finalize(stmt);
    }
    sqlite3_close(db_);
  }

  Result<void> initialize() {
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    XFED_TRY(switchToWal());
    XFED_TRY(exec("PRAGMA synchronous=NORMAL"));
    XFED_TRY(exec("PRAGMA foreign_keys=ON"));
    for (const Migration& m : migrations()) {
      // Each migration in its own write transaction; the version check is inside it, so two
      // processes opening a new store at once apply each migration exactly once.
      XFED_TRY(write([&]() -> Result<void> {
        XFED_ASSIGN_OR_RETURN(int current, schemaVersion());
        if (current >= m.version) {
          return core::ok();
        }
        if (current != m.version - 1) {
          return core::fail(Errc::StoreFailure, "schema version " + std::to_string(current) +
                                                    " cannot take migration " +
                                                    std::to_string(m.version));
        }
        XFED_TRY(exec(std::string(m.sql)));
        return exec("PRAGMA user_version=" + std::to_string(m.version));
      }));
    }
    XFED_ASSIGN_OR_RETURN(int version, schemaVersion());
    int known = migrations().back().version;
    if (version > known) {
      return core::fail(Errc::StoreFailure,
                        "the store has schema version " + std::to_string(version) +
                            ", newer than this build knows (" + std::to_string(known) +
                            "); use a newer xfed");
    }
    // Embedded defaults, written by whichever process opens a new store first.
    return write([&]() -> Result<void> {
      Statement s = prepare("SELECT count(*) FROM topology_versions");
      XFED_TRY(s.step());
      if (s.integer(0) > 0) {
        return core::ok();
      }
      XFED_ASSIGN_OR_RETURN(int published, publishTopology(config::defaultTopology()));
      (void)published;
      return core::ok();
    });
  }

  // ---------------------------------------------------------------------- transactions

  Result<void> write(const std::function<Result<void>()>& body) override {
    if (depth_ > 0) {
      // Nested: a savepoint, so one failing item of a pipeline undoes only its own changes.
      std::string name = "sp" + std::to_string(depth_);
      XFED_TRY(exec("SAVEPOINT " + name));
      ++depth_;
      Result<void> result = body();
      --depth_;
      if (!result) {
        (void)exec("ROLLBACK TO " + name);
        (void)exec("RELEASE " + name);
        return result;
      }
      return exec("RELEASE " + name);
    }
    XFED_TRY(exec("BEGIN IMMEDIATE"));
    ++depth_;
    int changes_before = sqlite3_total_changes(db_);
    Result<void> result = body();
    if (result && sqlite3_total_changes(db_) != changes_before) {
      // Only a transaction that changed rows moves the data version, so running roles reload
      // only when there is something new.
      result = exec("UPDATE meta SET value = value + 1 WHERE key = 'change_counter'");
    }
    --depth_;
    if (!result) {
      (void)exec("ROLLBACK");
      return result;
    }
    return exec("COMMIT");
  }

  Result<int> schemaVersion() override {
    Statement s = prepare("PRAGMA user_version");
    XFED_TRY(s.step());
    return static_cast<int>(s.integer(0));
  }

  Result<std::int64_t> dataVersion() override {
    Statement s = prepare("SELECT value FROM meta WHERE key = 'change_counter'");
    XFED_ASSIGN_OR_RETURN(bool row, s.step());
    return row ? s.integer(0) : 0;
  }

  Result<Snapshot> readSnapshot() override {
    // One read transaction, so the snapshot is consistent.
    XFED_TRY(exec("BEGIN"));
    Result<Snapshot> snapshot = readSnapshotUnlocked();
    (void)exec("COMMIT");
    return snapshot;
  }

  // ---------------------------------------------------------------------- topology

  Result<config::Topology> topology() override {
    Statement s = prepare(
        "SELECT version, published_at, document FROM topology_versions ORDER BY version DESC "
        "LIMIT 1");
    XFED_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) {
      return core::fail(Errc::NotFound, "no topology has been published");
    }
    XFED_ASSIGN_OR_RETURN(config::Topology t, config::topologyFromJson(s.text(2)));
    t.version = static_cast<int>(s.integer(0));
    t.published_at = s.text(1);
    return t;
  }

  Result<int> publishTopology(const config::Topology& topology) override {
    config::Topology copy = topology;
    Statement last = prepare("SELECT coalesce(max(version), 0) FROM topology_versions");
    XFED_TRY(last.step());
    copy.version = static_cast<int>(last.integer(0)) + 1;
    copy.published_at = nowIso8601();
    Statement s = prepare(
        "INSERT INTO topology_versions (version, published_at, document) VALUES (?, ?, ?)");
    s.bind(1, std::int64_t{copy.version}).bind(2, copy.published_at);
    s.bind(3, config::topologyToJson(copy));
    XFED_TRY(s.run());
    return copy.version;
  }

  // ---------------------------------------------------------------------- users

  Result<std::vector<config::User>> findUsers(const std::string& identity) override {
    std::string sql = std::string("SELECT ") + kUserColumns + " FROM users WHERE ";
    std::string key = identity;
    if (identity.find('@') != std::string::npos) {
      sql += "sip_address = ?";
      if (sqlite3_strnicmp(key.c_str(), "sip:", 4) == 0) {
        key.erase(0, 4);
      }
      key = "sip:" + key;
    } else {
      sql += "display_name = ? COLLATE NOCASE ORDER BY sip_address";
    }
    Statement s = prepare(sql);
    s.bind(1, std::string_view(key));
    return collectUsers(s);
  }

  Result<std::vector<config::User>> listUsers(const UserQuery& query) override {
    std::string sql = std::string("SELECT ") + kUserColumns + " FROM users";
    if (query.filter) {
      // A filter written without the scheme ("alice@*") also matches the address.
      sql += " WHERE sip_address LIKE ?1 ESCAPE '\\' OR sip_address LIKE 'sip:' || ?1 ESCAPE '\\'"
             " OR display_name LIKE ?1 ESCAPE '\\'";
    }
    sql += " ORDER BY sip_address";
    if (query.limit) {
      sql += " LIMIT " + std::to_string(*query.limit);
    }
    Statement s = prepare(sql);
    if (query.filter) {
      std::string pattern = likePattern(*query.filter);
      s.bind(1, std::string_view(pattern));
    }
    return collectUsers(s);
  }

  Result<void> insertUser(const config::User& u) override {
    Statement s = prepare(std::string("INSERT INTO users (") + kUserColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?)");
    bindUser(s, u);
    Result<void> r = s.run();
    if (!r && sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return core::fail(Errc::AlreadyExists, "a user with SIP address " + u.sip_address +
                                                 " already exists");
    }
    return r;
  }

  Result<void> updateUser(const std::string& old_sip_address, const config::User& u) override {
    Statement s = prepare(
        "UPDATE users SET sip_address = ?, display_name = ?, registrar_pool = ?, enabled = ?, "
        "policy = ?, ha1_md5 = ?, ha1_sha256 = ? WHERE sip_address = ?");
    bindUser(s, u);
    s.bind(8, std::string_view(old_sip_address));
    Result<void> r = s.run();
    if (!r && sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return core::fail(Errc::AlreadyExists, "a user with SIP address " + u.sip_address +
                                                 " already exists");
    }
    XFED_TRY(r);
    return requireChanged("user " + old_sip_address);
  }

  Result<void> deleteUser(const std::string& sip_address) override {
    Statement s = prepare("DELETE FROM users WHERE sip_address = ?");
    s.bind(1, std::string_view(sip_address));
    XFED_TRY(s.run());
    return requireChanged("user " + sip_address);
  }

  Result<void> setUserPolicy(const std::string& sip_address,
                             const std::optional<std::string>& policy) override {
    Statement s = prepare("UPDATE users SET policy = ? WHERE sip_address = ?");
    s.bindOptional(1, policy).bind(2, std::string_view(sip_address));
    XFED_TRY(s.run());
    return requireChanged("user " + sip_address);
  }

  Result<std::int64_t> setAllUsersPolicy(const std::optional<std::string>& policy) override {
    Statement s = prepare("UPDATE users SET policy = ?");
    s.bindOptional(1, policy);
    XFED_TRY(s.run());
    return static_cast<std::int64_t>(sqlite3_changes(db_));
  }

  Result<std::int64_t> countUsersWithPolicy(const std::string& policy) override {
    Statement s = prepare("SELECT count(*) FROM users WHERE policy = ?");
    s.bind(1, std::string_view(policy));
    XFED_TRY(s.step());
    return s.integer(0);
  }

  // ---------------------------------------------------------------------- policies

  Result<std::vector<config::ExternalAccessPolicy>> policies() override {
    Statement s = prepare(
        "SELECT scope, name, enable_federation_access, enable_xmpp_access, "
        "enable_public_cloud_access, enable_public_cloud_audio_video_access, "
        "enable_outside_access, description FROM external_access_policies "
        "ORDER BY CASE scope WHEN 'global' THEN 0 WHEN 'site' THEN 1 ELSE 2 END, name");
    std::vector<config::ExternalAccessPolicy> out;
    while (true) {
      XFED_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) {
        break;
      }
      config::ExternalAccessPolicy p;
      p.scope = scopeFromText(s.text(0));
      p.name = s.text(1);
      p.enable_federation_access = s.boolean(2);
      p.enable_xmpp_access = s.boolean(3);
      p.enable_public_cloud_access = s.boolean(4);
      p.enable_public_cloud_audio_video_access = s.boolean(5);
      p.enable_outside_access = s.boolean(6);
      p.description = s.text(7);
      out.push_back(std::move(p));
    }
    return out;
  }

  Result<std::optional<config::ExternalAccessPolicy>> findPolicy(
      config::PolicyScope scope, const std::string& name) override {
    XFED_ASSIGN_OR_RETURN(std::vector<config::ExternalAccessPolicy> all, policies());
    for (config::ExternalAccessPolicy& p : all) {
      if (p.scope == scope && (scope == config::PolicyScope::Global ||
                               sqlite3_stricmp(p.name.c_str(), name.c_str()) == 0)) {
        return std::optional<config::ExternalAccessPolicy>(std::move(p));
      }
    }
    return std::optional<config::ExternalAccessPolicy>();
  }

  Result<void> upsertPolicy(const config::ExternalAccessPolicy& p) override {
    Statement s = prepare(
        "INSERT INTO external_access_policies (scope, name, enable_federation_access, "
        "enable_xmpp_access, enable_public_cloud_access, enable_public_cloud_audio_video_access, "
        "enable_outside_access, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (scope, name) DO UPDATE SET "
        "enable_federation_access = excluded.enable_federation_access, "
        "enable_xmpp_access = excluded.enable_xmpp_access, "
        "enable_public_cloud_access = excluded.enable_public_cloud_access, "
        "enable_public_cloud_audio_video_access = excluded.enable_public_cloud_audio_video_access, "
        "enable_outside_access = excluded.enable_outside_access, "
        "description = excluded.description");
    s.bind(1, toString(p.scope));
    s.bind(2, p.scope == config::PolicyScope::Global ? std::string_view() : p.name);
    s.bindBool(3, p.enable_federation_access).bindBool(4, p.enable_xmpp_access);
    s.bindBool(5, p.enable_public_cloud_access);
    s.bindBool(6, p.enable_public_cloud_audio_video_access);
    s.bindBool(7, p.enable_outside_access).bind(8, p.description);
    return s.run();
  }

  Result<void> deletePolicy(config::PolicyScope scope, const std::string& name) override {
    Statement s = prepare("DELETE FROM external_access_policies WHERE scope = ? AND name = ?");
    s.bind(1, toString(scope)).bind(2, std::string_view(name));
    XFED_TRY(s.run());
    return requireChanged("policy " + name);
  }

  // ---------------------------------------------------------------------- partners

  Result<std::vector<config::XmppPartner>> partners() override {
    std::map<std::string, std::vector<std::string>> additional;
    {
      Statement d = prepare(
          "SELECT partner, domain FROM xmpp_partner_domains ORDER BY partner, position");
      while (true) {
        XFED_ASSIGN_OR_RETURN(bool row, d.step());
        if (!row) {
          break;
        }
        additional[d.text(0)].push_back(d.text(1));
      }
    }
    Statement s = prepare(
        "SELECT domain, partner_type, tls_negotiation, sasl_negotiation, "
        "support_dialback_negotiation, enable_keep_alive, proxy_fqdn, connection_limit, "
        "description FROM xmpp_partners ORDER BY domain");
    std::vector<config::XmppPartner> out;
    while (true) {
      XFED_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) {
        break;
      }
      config::XmppPartner p;
      p.domain = s.text(0);
      p.partner_type = config::parsePartnerType(s.text(1)).value_or(p.partner_type);
      p.tls_negotiation = config::parseNegotiation(s.text(2)).value_or(p.tls_negotiation);
      p.sasl_negotiation = config::parseNegotiation(s.text(3)).value_or(p.sasl_negotiation);
      p.support_dialback_negotiation = s.boolean(4);
      p.enable_keep_alive = s.boolean(5);
      p.proxy_fqdn = s.text(6);
      if (!s.isNull(7)) {
        p.connection_limit = static_cast<std::uint32_t>(s.integer(7));
      }
      p.description = s.text(8);
      if (auto it = additional.find(p.domain); it != additional.end()) {
        p.additional_domains = it->second;
      }
      out.push_back(std::move(p));
    }
    return out;
  }

  Result<void> upsertPartner(const config::XmppPartner& p) override {
    return write([&]() -> Result<void> {
      Statement s = prepare(
          "INSERT INTO xmpp_partners (domain, partner_type, tls_negotiation, sasl_negotiation, "
          "support_dialback_negotiation, enable_keep_alive, proxy_fqdn, connection_limit, "
          "description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (domain) DO UPDATE SET "
          "partner_type = excluded.partner_type, tls_negotiation = excluded.tls_negotiation, "
          "sasl_negotiation = excluded.sasl_negotiation, "
          "support_dialback_negotiation = excluded.support_dialback_negotiation, "
          "enable_keep_alive = excluded.enable_keep_alive, proxy_fqdn = excluded.proxy_fqdn, "
          "connection_limit = excluded.connection_limit, description = excluded.description");
      s.bind(1, p.domain).bind(2, toString(p.partner_type)).bind(3, toString(p.tls_negotiation));
      s.bind(4, toString(p.sasl_negotiation)).bindBool(5, p.support_dialback_negotiation);
      s.bindBool(6, p.enable_keep_alive).bind(7, p.proxy_fqdn);
      s.bindOptional(8, p.connection_limit ? std::optional<std::int64_t>(*p.connection_limit)
                                           : std::nullopt);
      s.bind(9, p.description);
      XFED_TRY(s.run());
      // The partner keeps the spelling it was created with; its domains hang off that name.
      std::string primary = p.domain;
      {
        Statement stored = prepare("SELECT domain FROM xmpp_partners WHERE domain = ?");
        stored.bind(1, p.domain);
        XFED_ASSIGN_OR_RETURN(bool row, stored.step());
        if (row) {
          primary = stored.text(0);
        }
      }
      Statement clear = prepare("DELETE FROM xmpp_partner_domains WHERE partner = ? COLLATE NOCASE");
      clear.bind(1, primary);
      XFED_TRY(clear.run());
      for (std::size_t i = 0; i < p.additional_domains.size(); ++i) {
        Statement add = prepare(
            "INSERT INTO xmpp_partner_domains (domain, partner, position) VALUES (?, ?, ?)");
        add.bind(1, p.additional_domains[i]).bind(2, primary);
        add.bind(3, static_cast<std::int64_t>(i));
        XFED_TRY(add.run());
      }
      return core::ok();
    });
  }

  Result<void> deletePartner(const std::string& domain) override {
    Statement s = prepare("DELETE FROM xmpp_partners WHERE domain = ?");
    s.bind(1, std::string_view(domain));
    XFED_TRY(s.run());
    return requireChanged("partner " + domain);
  }

  // ---------------------------------------------------------------------- settings

  Result<config::XmppGatewayConfiguration> gatewayConfiguration() override {
    Statement s = prepare(
        "SELECT connection_limit, partner_connection_limit, dialback_passphrase, "
        "enable_logging_all_message_bodies, keep_alive_interval, stream_establishment_timeout, "
        "stream_inactivity_timeout, subscription_refresh_interval "
        "FROM xmpp_gateway_configuration WHERE id = 1");
    XFED_ASSIGN_OR_RETURN(bool row, s.step());
    config::XmppGatewayConfiguration c;
    if (!row) {
      return c;
    }
    auto u32 = [&](int column) { return static_cast<std::uint32_t>(s.integer(column)); };
    c.connection_limit = u32(0);
    c.partner_connection_limit = u32(1);
    c.dialback_passphrase = s.text(2);
    c.enable_logging_all_message_bodies = s.boolean(3);
    c.keep_alive_interval = u32(4);
    c.stream_establishment_timeout = u32(5);
    c.stream_inactivity_timeout = u32(6);
    c.subscription_refresh_interval = u32(7);
    return c;
  }

  Result<void> setGatewayConfiguration(const config::XmppGatewayConfiguration& c) override {
    Statement s = prepare(
        "UPDATE xmpp_gateway_configuration SET connection_limit = ?, partner_connection_limit = ?, "
        "dialback_passphrase = ?, enable_logging_all_message_bodies = ?, keep_alive_interval = ?, "
        "stream_establishment_timeout = ?, stream_inactivity_timeout = ?, "
        "subscription_refresh_interval = ? WHERE id = 1");
    s.bind(1, std::int64_t{c.connection_limit}).bind(2, std::int64_t{c.partner_connection_limit});
    s.bind(3, c.dialback_passphrase).bindBool(4, c.enable_logging_all_message_bodies);
    s.bind(5, std::int64_t{c.keep_alive_interval});
    s.bind(6, std::int64_t{c.stream_establishment_timeout});
    s.bind(7, std::int64_t{c.stream_inactivity_timeout});
    s.bind(8, std::int64_t{c.subscription_refresh_interval});
    return s.run();
  }

  Result<config::AccessEdgeConfiguration> accessEdgeConfiguration() override {
    Statement s = prepare("SELECT allow_federated_users FROM access_edge_configuration WHERE id = 1");
    XFED_ASSIGN_OR_RETURN(bool row, s.step());
    config::AccessEdgeConfiguration c;
    c.allow_federated_users = row && s.boolean(0);
    return c;
  }

  Result<void> setAccessEdgeConfiguration(const config::AccessEdgeConfiguration& c) override {
    Statement s = prepare("UPDATE access_edge_configuration SET allow_federated_users = ? WHERE id = 1");
    s.bindBool(1, c.allow_federated_users);
    return s.run();
  }

private:
  Result<Snapshot> readSnapshotUnlocked() {
    Snapshot snap;
    XFED_ASSIGN_OR_RETURN(snap.data_version, dataVersion());
    XFED_ASSIGN_OR_RETURN(snap.topology, topology());
    XFED_ASSIGN_OR_RETURN(snap.policies, policies());
    XFED_ASSIGN_OR_RETURN(snap.partners, partners());
    XFED_ASSIGN_OR_RETURN(snap.gateway, gatewayConfiguration());
    XFED_ASSIGN_OR_RETURN(snap.access_edge, accessEdgeConfiguration());
    Statement s = prepare("SELECT count(*) FROM users");
    XFED_TRY(s.step());
    snap.user_count = s.integer(0);
    return snap;
  }

  Result<std::vector<config::User>> collectUsers(Statement& s) {
    std::vector<config::User> out;
    while (true) {
      XFED_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) {
        return out;
      }
      out.push_back(readUser(s));
    }
  }

  static void bindUser(Statement& s, const config::User& u) {
    s.bind(1, u.sip_address).bind(2, u.display_name).bind(3, u.registrar_pool);
    s.bindBool(4, u.enabled).bindOptional(5, u.external_access_policy);
    s.bind(6, u.ha1_md5).bind(7, u.ha1_sha256);
  }

  Result<void> requireChanged(const std::string& what) {
    if (sqlite3_changes(db_) == 0) {
      return core::fail(Errc::NotFound, what + " does not exist");
    }
    return core::ok();
  }

  /**
   * PRAGMA journal_mode=WAL needs a moment of exclusive access and does not wait through the
   * busy handler: when several processes open a new store at once, the losers see SQLITE_BUSY.
   * Retry until the busy timeout.
   */
  Result<void> switchToWal() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    while (true) {
      int rc = sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) {
        return core::ok();
      }
      if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
          std::chrono::steady_clock::now() >= deadline) {
        return core::fail(Errc::StoreFailure,
                          std::string("SQLite: cannot switch the store to WAL: ") +
                              sqlite3_errmsg(db_));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  Result<void> exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      std::string detail = message != nullptr ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      return core::fail(Errc::StoreFailure, "SQLite: " + detail);
    }
    return core::ok();
  }

  Statement prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                             SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
        // Our SQL is fixed text: failing to prepare it is a bug or a corrupt store.
        std::fprintf(stderr, "xfed: cannot prepare SQL (%s): %s\n", sqlite3_errmsg(db_),
                     sql.c_str());
        std::abort();
      }
      it = cache_.emplace(sql, stmt).first;
    }
    return Statement(db_, it->second);
  }

  sqlite3* db_;
  std::map<std::string, sqlite3_stmt*> cache_;
  int depth_ = 0;
};

}  // namespace

core::Result<ConfigStorePtr> openSqliteConfigStore(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return core::fail(Errc::StoreFailure, "cannot open the store " + path.string() + ": " + detail);
  }
  auto store = std::make_unique<SqliteConfigStore>(db);
  XFED_TRY(store->initialize());
  return ConfigStorePtr(std::move(store));
}

}  // namespace xfed::store
