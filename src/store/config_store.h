// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.h"
#include "core/result.h"

namespace xfed::store {

/** Everything a running role needs, read in one transaction; shared as an immutable snapshot. */
struct Snapshot {
  std::int64_t data_version = 0;  // changes whenever any committed change lands
  config::Topology topology;
  std::vector<config::ExternalAccessPolicy> policies;
  std::vector<config::XmppPartner> partners;
  config::XmppGatewayConfiguration gateway;
  config::AccessEdgeConfiguration access_edge;
  std::int64_t user_count = 0;
};
using SnapshotConstSharedPtr = std::shared_ptr<const Snapshot>;

struct UserQuery {
  std::optional<std::string> filter;  // wildcard over SIP address and display name
  std::optional<std::size_t> limit;
};

/**
 * The Central Management Store. SqliteConfigStore is the default; a PostgreSQL implementation
 * can satisfy the same interface. Methods are plain CRUD: rules live in config/validation.h and
 * in the admin commands, which call these inside write().
 *
 * Threading: blocking; one instance per thread. Never call from an event loop thread.
 * Errors: core::Errc::StoreFailure with the driver's message, NotFound/AlreadyExists where named.
 */
class ConfigStore {
public:
  virtual ~ConfigStore() = default;

  /** Runs body in one write transaction (serialised with other processes); commits if ok. */
  virtual core::Result<void> write(const std::function<core::Result<void>()>& body) = 0;

  virtual core::Result<int> schemaVersion() = 0;
  /** A number that changes whenever another connection commits (PRAGMA data_version + own). */
  virtual core::Result<std::int64_t> dataVersion() = 0;
  virtual core::Result<Snapshot> readSnapshot() = 0;

  // Topology: versions are immutable; the current one is the highest.
  virtual core::Result<config::Topology> topology() = 0;
  virtual core::Result<int> publishTopology(const config::Topology& topology) = 0;

  // Users. find() matches the SIP address (with or without "sip:") or the display name.
  virtual core::Result<std::vector<config::User>> findUsers(const std::string& identity) = 0;
  virtual core::Result<std::vector<config::User>> listUsers(const UserQuery& query) = 0;
  virtual core::Result<void> insertUser(const config::User& user) = 0;
  /** Replaces the user stored under old_sip_address (which may differ from user.sip_address). */
  virtual core::Result<void> updateUser(const std::string& old_sip_address,
                                        const config::User& user) = 0;
  virtual core::Result<void> deleteUser(const std::string& sip_address) = 0;
  /** Sets the per-user policy (nullopt unassigns) of one user; NotFound if absent. */
  virtual core::Result<void> setUserPolicy(const std::string& sip_address,
                                           const std::optional<std::string>& policy) = 0;
  virtual core::Result<std::int64_t> setAllUsersPolicy(const std::optional<std::string>& policy) = 0;
  virtual core::Result<std::int64_t> countUsersWithPolicy(const std::string& policy) = 0;

  // External access policies.
  virtual core::Result<std::vector<config::ExternalAccessPolicy>> policies() = 0;
  virtual core::Result<std::optional<config::ExternalAccessPolicy>> findPolicy(
      config::PolicyScope scope, const std::string& name) = 0;
  virtual core::Result<void> upsertPolicy(const config::ExternalAccessPolicy& policy) = 0;
  virtual core::Result<void> deletePolicy(config::PolicyScope scope, const std::string& name) = 0;

  // XMPP partners.
  virtual core::Result<std::vector<config::XmppPartner>> partners() = 0;
  virtual core::Result<void> upsertPartner(const config::XmppPartner& partner) = 0;
  virtual core::Result<void> deletePartner(const std::string& domain) = 0;

  // Global settings.
  virtual core::Result<config::XmppGatewayConfiguration> gatewayConfiguration() = 0;
  virtual core::Result<void> setGatewayConfiguration(const config::XmppGatewayConfiguration& c) = 0;
  virtual core::Result<config::AccessEdgeConfiguration> accessEdgeConfiguration() = 0;
  virtual core::Result<void> setAccessEdgeConfiguration(const config::AccessEdgeConfiguration& c) = 0;
};

using ConfigStorePtr = std::unique_ptr<ConfigStore>;

}  // namespace xfed::store
