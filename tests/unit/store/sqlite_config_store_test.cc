// SPDX-License-Identifier: Apache-2.0
// The SQLite Central Management Store: a new store's defaults, persistence across a restart,
// transactions, the change counter, and the CRUD contract of store/config_store.h.
#include "store/sqlite/sqlite_config_store.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/data_dir.h"
#include "config/defaults.h"
#include "config/topology_json.h"
#include "core/errors.h"
#include "store/sqlite/migrations.h"
#include "store_test_support.h"

namespace xfed::store {
namespace {

namespace fs = std::filesystem;
using config::ExternalAccessPolicy;
using config::PolicyScope;
using config::User;
using config::XmppPartner;
using core::Errc;
using core::Result;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using testing::sqliteExec;
using testing::sqliteInteger;
using testing::TempDir;

User makeUser(const std::string& name, const std::string& display_name,
              const std::string& domain = "contoso.test") {
  User u;
  u.sip_address = "sip:" + name + "@" + domain;
  u.display_name = display_name;
  u.registrar_pool = "fe.contoso.test";
  return u;
}

std::vector<std::string> addresses(const std::vector<User>& users) {
  std::vector<std::string> out;
  for (const User& u : users) {
    out.push_back(u.sip_address);
  }
  return out;
}

std::vector<std::string> partnerDomains(const std::vector<XmppPartner>& partners) {
  std::vector<std::string> out;
  for (const XmppPartner& p : partners) {
    out.push_back(p.domain);
  }
  return out;
}

/** A topology with the default content, without the store-assigned fields. */
std::string contentOf(config::Topology t) {
  t.version = 0;
  t.published_at.clear();
  return config::topologyToJson(t);
}

bool isLowerHex(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
  });
}

class SqliteConfigStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty()) << "mkdtemp failed";
    path_ = dir_.path() / "cms.sqlite";
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }

  /** Another connection (as another process would have) to the same file. */
  ConfigStorePtr open() { return XFED_MUST(openSqliteConfigStore(path_)); }

  ConfigStore& store() { return *store_; }

  /** Closes the store and opens it again, as a restart does. */
  void restart() {
    store_.reset();
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }

  void insertUsers(std::initializer_list<User> users) {
    for (const User& u : users) {
      XFED_ASSERT_OK(store().write([&] { return store().insertUser(u); }));
    }
  }

  TempDir dir_;
  fs::path path_;
  ConfigStorePtr store_;
};

// ----------------------------------------------------------------------------- a new store

TEST_F(SqliteConfigStoreTest, NewStoreHasEveryMigrationApplied) {
  EXPECT_EQ(XFED_MUST(store().schemaVersion()), static_cast<int>(migrations().size()));
  EXPECT_EQ(XFED_MUST(store().schemaVersion()), migrations().back().version);
  EXPECT_EQ(sqliteInteger(path_, "PRAGMA user_version"), static_cast<int>(migrations().size()));
}

TEST_F(SqliteConfigStoreTest, MigrationsAreNumberedFromOneWithoutGaps) {
  int expected = 1;
  for (const Migration& m : migrations()) {
    EXPECT_EQ(m.version, expected++) << m.name;
    EXPECT_FALSE(m.sql.empty()) << m.name;
  }
}

TEST_F(SqliteConfigStoreTest, NewStoreHasTheDefaultTopologyAsVersionOne) {
  config::Topology t = XFED_MUST(store().topology());
  EXPECT_EQ(t.version, 1);
  EXPECT_FALSE(t.published_at.empty());
  EXPECT_EQ(t.published_at.size(), 20u) << t.published_at;  // 2024-05-01T12:00:00Z
  EXPECT_EQ(t.published_at.back(), 'Z');
  EXPECT_EQ(contentOf(t), contentOf(config::defaultTopology()));
  EXPECT_EQ(sqliteInteger(path_, "SELECT count(*) FROM topology_versions"), 1);
}

TEST_F(SqliteConfigStoreTest, NewStoreHasOnlyTheAllOffGlobalPolicy) {
  std::vector<ExternalAccessPolicy> policies = XFED_MUST(store().policies());
  ASSERT_THAT(policies, SizeIs(1));
  const ExternalAccessPolicy& global = policies[0];
  EXPECT_EQ(global.scope, PolicyScope::Global);
  EXPECT_EQ(global.identity(), "Global");
  EXPECT_FALSE(global.enable_federation_access || global.enable_xmpp_access ||
               global.enable_public_cloud_access ||
               global.enable_public_cloud_audio_video_access || global.enable_outside_access);
  EXPECT_TRUE(XFED_MUST(store().findPolicy(PolicyScope::Global, "")).has_value());
}

TEST_F(SqliteConfigStoreTest, NewStoreHasTheDocumentedGatewayDefaults) {
  config::XmppGatewayConfiguration c = XFED_MUST(store().gatewayConfiguration());
  EXPECT_EQ(c.connection_limit, 1000u);
  EXPECT_EQ(c.partner_connection_limit, 20u);
  EXPECT_EQ(c.keep_alive_interval, 300u);
  EXPECT_EQ(c.stream_establishment_timeout, 60u);
  EXPECT_EQ(c.stream_inactivity_timeout, 600u);
  EXPECT_EQ(c.subscription_refresh_interval, 28800u);
  EXPECT_FALSE(c.enable_logging_all_message_bodies);
  EXPECT_EQ(c.dialback_passphrase.size(), 64u) << c.dialback_passphrase;
  EXPECT_TRUE(isLowerHex(c.dialback_passphrase)) << c.dialback_passphrase;
}

TEST_F(SqliteConfigStoreTest, EachNewStoreGetsItsOwnRandomDialbackPassphrase) {
  TempDir other_dir;
  ConfigStorePtr other = XFED_MUST(openSqliteConfigStore(other_dir.path() / "cms.sqlite"));
  ASSERT_NE(other, nullptr);
  std::string mine = XFED_MUST(store().gatewayConfiguration()).dialback_passphrase;
  std::string theirs = XFED_MUST(other->gatewayConfiguration()).dialback_passphrase;
  EXPECT_NE(mine, theirs);
  EXPECT_NE(mine, std::string(64, '0'));
}

TEST_F(SqliteConfigStoreTest, NewStoreDoesNotAllowFederatedUsersAndHasNoUsersOrPartners) {
  EXPECT_FALSE(XFED_MUST(store().accessEdgeConfiguration()).allow_federated_users);
  EXPECT_THAT(XFED_MUST(store().listUsers({})), IsEmpty());
  EXPECT_THAT(XFED_MUST(store().partners()), IsEmpty());
}

TEST_F(SqliteConfigStoreTest, ReopeningDoesNotRewriteTheDefaults) {
  std::string passphrase = XFED_MUST(store().gatewayConfiguration()).dialback_passphrase;
  restart();
  restart();
  EXPECT_EQ(XFED_MUST(store().topology()).version, 1);
  EXPECT_EQ(sqliteInteger(path_, "SELECT count(*) FROM topology_versions"), 1);
  EXPECT_EQ(XFED_MUST(store().gatewayConfiguration()).dialback_passphrase, passphrase);
  EXPECT_THAT(XFED_MUST(store().policies()), SizeIs(1));
}

TEST_F(SqliteConfigStoreTest, SnapshotHoldsEverythingInOneRead) {
  insertUsers({makeUser("alice", "Alice"), makeUser("bob", "Bob")});
  Snapshot snap = XFED_MUST(store().readSnapshot());
  EXPECT_EQ(snap.data_version, XFED_MUST(store().dataVersion()));
  EXPECT_EQ(snap.topology.version, 1);
  EXPECT_THAT(snap.policies, SizeIs(1));
  EXPECT_THAT(snap.partners, IsEmpty());
  EXPECT_EQ(snap.gateway.connection_limit, 1000u);
  EXPECT_FALSE(snap.access_edge.allow_federated_users);
  EXPECT_EQ(snap.user_count, 2);
}

TEST_F(SqliteConfigStoreTest, OpeningAPathInAMissingDirectoryFailsNamingThePath) {
  fs::path bad = dir_.path() / "no" / "such" / "dir" / "cms.sqlite";
  Result<ConfigStorePtr> r = openSqliteConfigStore(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::StoreFailure);
  EXPECT_THAT(r.error().detail, HasSubstr(bad.string()));
}

// ----------------------------------------------------------------------------- restart

TEST_F(SqliteConfigStoreTest, RestartKeepsEveryChangeFieldByField) {
  User alice = makeUser("alice", "Alice Smith");
  alice.enabled = false;
  alice.external_access_policy = "FedPic";
  alice.ha1_md5 = "0123456789abcdef0123456789abcdef";
  alice.ha1_sha256 = std::string(64, 'e');
  alice.registrar_pool = "fe2.contoso.test";
  User bob = makeUser("bob", "Bob Jones");

  ExternalAccessPolicy site;
  site.scope = PolicyScope::Site;
  site.name = "Site1";
  site.enable_federation_access = true;
  site.enable_outside_access = true;
  site.description = "site policy";
  ExternalAccessPolicy tag;
  tag.scope = PolicyScope::Tag;
  tag.name = "FedPic";
  tag.enable_federation_access = true;
  tag.enable_xmpp_access = true;
  tag.enable_public_cloud_access = true;
  tag.enable_public_cloud_audio_video_access = true;
  tag.description = "per-user";
  ExternalAccessPolicy global;
  global.enable_xmpp_access = true;
  global.description = "changed global";

  XmppPartner fabrikam;
  fabrikam.domain = "fabrikam.com";
  fabrikam.additional_domains = {"zeta.fabrikam.com", "alpha.fabrikam.com", "im.fabrikam.com"};
  fabrikam.partner_type = config::PartnerType::Federated;
  fabrikam.tls_negotiation = config::Negotiation::Optional;
  fabrikam.sasl_negotiation = config::Negotiation::NotSupported;
  fabrikam.support_dialback_negotiation = true;
  fabrikam.enable_keep_alive = false;
  fabrikam.proxy_fqdn = "proxy.fabrikam.com";
  fabrikam.connection_limit = 7;
  fabrikam.description = "Fabrikam, contact: admin@fabrikam.com";
  XmppPartner gmail;
  gmail.domain = "gmail.com";
  gmail.tls_negotiation = config::Negotiation::NotSupported;
  gmail.sasl_negotiation = config::Negotiation::NotSupported;

  config::XmppGatewayConfiguration gateway;
  gateway.connection_limit = 500;
  gateway.partner_connection_limit = 10;
  gateway.dialback_passphrase = "a shared secret";
  gateway.enable_logging_all_message_bodies = true;
  gateway.keep_alive_interval = 120;
  gateway.stream_establishment_timeout = 30;
  gateway.stream_inactivity_timeout = 900;
  gateway.subscription_refresh_interval = 3600;

  config::Topology topology = config::defaultTopology();
  topology.sites[0].description = "republished";

  XFED_ASSERT_OK(store().write([&]() -> Result<void> {
    XFED_TRY(store().insertUser(alice));
    XFED_TRY(store().insertUser(bob));
    XFED_TRY(store().upsertPolicy(site));
    XFED_TRY(store().upsertPolicy(tag));
    XFED_TRY(store().upsertPolicy(global));
    XFED_TRY(store().upsertPartner(fabrikam));
    XFED_TRY(store().upsertPartner(gmail));
    XFED_TRY(store().setGatewayConfiguration(gateway));
    XFED_TRY(store().setAccessEdgeConfiguration({true}));
    XFED_ASSIGN_OR_RETURN(int version, store().publishTopology(topology));
    EXPECT_EQ(version, 2);
    return core::ok();
  }));
  std::int64_t data_version = XFED_MUST(store().dataVersion());

  restart();

  std::vector<User> users = XFED_MUST(store().listUsers({}));
  ASSERT_THAT(users, SizeIs(2));
  const User& a = users[0];
  EXPECT_EQ(a.sip_address, alice.sip_address);
  EXPECT_EQ(a.display_name, alice.display_name);
  EXPECT_EQ(a.registrar_pool, alice.registrar_pool);
  EXPECT_EQ(a.enabled, false);
  EXPECT_EQ(a.external_access_policy, std::optional<std::string>("FedPic"));
  EXPECT_EQ(a.ha1_md5, alice.ha1_md5);
  EXPECT_EQ(a.ha1_sha256, alice.ha1_sha256);
  const User& b = users[1];
  EXPECT_EQ(b.sip_address, bob.sip_address);
  EXPECT_EQ(b.display_name, bob.display_name);
  EXPECT_TRUE(b.enabled);
  EXPECT_EQ(b.external_access_policy, std::nullopt);
  EXPECT_EQ(b.ha1_md5, "");

  std::vector<ExternalAccessPolicy> policies = XFED_MUST(store().policies());
  ASSERT_THAT(policies, SizeIs(3));
  EXPECT_EQ(policies[0].identity(), "Global");
  EXPECT_TRUE(policies[0].enable_xmpp_access);
  EXPECT_FALSE(policies[0].enable_federation_access);
  EXPECT_EQ(policies[0].description, "changed global");
  EXPECT_EQ(policies[1].identity(), "Site:Site1");
  EXPECT_TRUE(policies[1].enable_federation_access);
  EXPECT_FALSE(policies[1].enable_xmpp_access);
  EXPECT_FALSE(policies[1].enable_public_cloud_access);
  EXPECT_FALSE(policies[1].enable_public_cloud_audio_video_access);
  EXPECT_TRUE(policies[1].enable_outside_access);
  EXPECT_EQ(policies[1].description, "site policy");
  EXPECT_EQ(policies[2].identity(), "Tag:FedPic");
  EXPECT_TRUE(policies[2].enable_federation_access);
  EXPECT_TRUE(policies[2].enable_xmpp_access);
  EXPECT_TRUE(policies[2].enable_public_cloud_access);
  EXPECT_TRUE(policies[2].enable_public_cloud_audio_video_access);
  EXPECT_FALSE(policies[2].enable_outside_access);
  EXPECT_EQ(policies[2].description, "per-user");

  std::vector<XmppPartner> partners = XFED_MUST(store().partners());
  ASSERT_THAT(partners, SizeIs(2));
  const XmppPartner& f = partners[0];
  EXPECT_EQ(f.domain, "fabrikam.com");
  EXPECT_EQ(f.additional_domains, fabrikam.additional_domains);  // order kept
  EXPECT_EQ(f.partner_type, config::PartnerType::Federated);
  EXPECT_EQ(f.tls_negotiation, config::Negotiation::Optional);
  EXPECT_EQ(f.sasl_negotiation, config::Negotiation::NotSupported);
  EXPECT_TRUE(f.support_dialback_negotiation);
  EXPECT_FALSE(f.enable_keep_alive);
  EXPECT_EQ(f.proxy_fqdn, "proxy.fabrikam.com");
  EXPECT_EQ(f.connection_limit, std::optional<std::uint32_t>(7));
  EXPECT_EQ(f.description, fabrikam.description);
  const XmppPartner& g = partners[1];
  EXPECT_EQ(g.domain, "gmail.com");
  EXPECT_THAT(g.additional_domains, IsEmpty());
  EXPECT_EQ(g.partner_type, config::PartnerType::PublicUnverified);
  EXPECT_EQ(g.tls_negotiation, config::Negotiation::NotSupported);
  EXPECT_EQ(g.sasl_negotiation, config::Negotiation::NotSupported);
  EXPECT_TRUE(g.enable_keep_alive);
  EXPECT_EQ(g.connection_limit, std::nullopt);

  config::XmppGatewayConfiguration c = XFED_MUST(store().gatewayConfiguration());
  EXPECT_EQ(c.connection_limit, 500u);
  EXPECT_EQ(c.partner_connection_limit, 10u);
  EXPECT_EQ(c.dialback_passphrase, "a shared secret");
  EXPECT_TRUE(c.enable_logging_all_message_bodies);
  EXPECT_EQ(c.keep_alive_interval, 120u);
  EXPECT_EQ(c.stream_establishment_timeout, 30u);
  EXPECT_EQ(c.stream_inactivity_timeout, 900u);
  EXPECT_EQ(c.subscription_refresh_interval, 3600u);

  EXPECT_TRUE(XFED_MUST(store().accessEdgeConfiguration()).allow_federated_users);

  config::Topology t = XFED_MUST(store().topology());
  EXPECT_EQ(t.version, 2);
  EXPECT_EQ(t.sites[0].description, "republished");

  EXPECT_EQ(XFED_MUST(store().dataVersion()), data_version);
}

// ----------------------------------------------------------------------------- transactions

TEST_F(SqliteConfigStoreTest, WriteCommitsItsBody) {
  XFED_ASSERT_OK(store().write([&]() -> Result<void> {
    XFED_TRY(store().insertUser(makeUser("alice", "Alice")));
    return store().setAccessEdgeConfiguration({true});
  }));
  ConfigStorePtr other = open();
  ASSERT_NE(other, nullptr);
  EXPECT_THAT(XFED_MUST(other->findUsers("sip:alice@contoso.test")), SizeIs(1));
  EXPECT_TRUE(XFED_MUST(other->accessEdgeConfiguration()).allow_federated_users);
}

TEST_F(SqliteConfigStoreTest, WriteRollsBackEverythingWhenTheBodyFails) {
  config::XmppGatewayConfiguration before = XFED_MUST(store().gatewayConfiguration());
  Result<void> r = store().write([&]() -> Result<void> {
    XFED_TRY(store().insertUser(makeUser("alice", "Alice")));
    XmppPartner p;
    p.domain = "fabrikam.com";
    p.additional_domains = {"im.fabrikam.com"};
    XFED_TRY(store().upsertPartner(p));
    config::XmppGatewayConfiguration changed = before;
    changed.connection_limit = 5;
    XFED_TRY(store().setGatewayConfiguration(changed));
    XFED_TRY(store().setAccessEdgeConfiguration({true}));
    XFED_TRY(store().publishTopology(config::defaultTopology()));
    return core::fail(Errc::InvalidArgument, "the body gives up");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::InvalidArgument);
  EXPECT_EQ(r.error().detail, "the body gives up");

  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "same connection" : "after restart");
    EXPECT_THAT(XFED_MUST(store().listUsers({})), IsEmpty());
    EXPECT_THAT(XFED_MUST(store().partners()), IsEmpty());
    EXPECT_EQ(XFED_MUST(store().gatewayConfiguration()).connection_limit, before.connection_limit);
    EXPECT_FALSE(XFED_MUST(store().accessEdgeConfiguration()).allow_federated_users);
    EXPECT_EQ(XFED_MUST(store().topology()).version, 1);
    EXPECT_EQ(sqliteInteger(path_, "SELECT count(*) FROM xmpp_partner_domains"), 0);
    restart();
  }
}

TEST_F(SqliteConfigStoreTest, WriteRollsBackWhenAStoreCallInsideFails) {
  insertUsers({makeUser("alice", "Alice")});
  Result<void> r = store().write([&]() -> Result<void> {
    XFED_TRY(store().insertUser(makeUser("bob", "Bob")));
    return store().insertUser(makeUser("alice", "Alice again"));  // AlreadyExists
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::AlreadyExists);
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({}))), ElementsAre("sip:alice@contoso.test"));
}

TEST_F(SqliteConfigStoreTest, TheStoreIsUsableAfterARolledBackWrite) {
  ASSERT_FALSE(store().write([] { return Result<void>(core::fail(Errc::Internal, "no")); }));
  insertUsers({makeUser("alice", "Alice")});
  EXPECT_THAT(XFED_MUST(store().listUsers({})), SizeIs(1));
}

TEST_F(SqliteConfigStoreTest, NestedWriteRollsBackOnlyTheInnerPart) {
  Result<void> inner_result;
  XFED_ASSERT_OK(store().write([&]() -> Result<void> {
    XFED_TRY(store().insertUser(makeUser("outer1", "Outer One")));
    inner_result = store().write([&]() -> Result<void> {
      XFED_TRY(store().insertUser(makeUser("inner", "Inner")));
      return core::fail(Errc::InvalidArgument, "inner fails");
    });
    XFED_TRY(store().insertUser(makeUser("outer2", "Outer Two")));
    return core::ok();
  }));
  ASSERT_FALSE(inner_result);
  EXPECT_EQ(inner_result.error().detail, "inner fails");
  restart();
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({}))),
              ElementsAre("sip:outer1@contoso.test", "sip:outer2@contoso.test"));
}

TEST_F(SqliteConfigStoreTest, NestedWritesFailingOneItemOfAPipelineKeepTheOthers) {
  // Each item of a pipeline in its own nested write: the middle one fails, both others land.
  XFED_ASSERT_OK(store().write([&]() -> Result<void> {
    for (const char* name : {"one", "two", "three"}) {
      Result<void> item = store().write([&]() -> Result<void> {
        XFED_TRY(store().insertUser(makeUser(name, name)));
        if (std::string(name) == "two") {
          return core::fail(Errc::InvalidArgument, "item two is bad");
        }
        return core::ok();
      });
      EXPECT_EQ(static_cast<bool>(item), std::string(name) != "two") << name;
    }
    return core::ok();
  }));
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({}))),
              ElementsAre("sip:one@contoso.test", "sip:three@contoso.test"));
}

TEST_F(SqliteConfigStoreTest, ASucceededNestedWriteIsUndoneWhenTheOuterWriteFails) {
  Result<void> r = store().write([&]() -> Result<void> {
    XFED_TRY(store().write([&] { return store().insertUser(makeUser("inner", "Inner")); }));
    return core::fail(Errc::InvalidArgument, "outer fails");
  });
  ASSERT_FALSE(r);
  EXPECT_THAT(XFED_MUST(store().listUsers({})), IsEmpty());
}

TEST_F(SqliteConfigStoreTest, DoublyNestedWriteRollsBackOnlyItsOwnLevel) {
  XFED_ASSERT_OK(store().write([&]() -> Result<void> {
    XFED_TRY(store().insertUser(makeUser("level1", "L1")));
    XFED_TRY(store().write([&]() -> Result<void> {
      XFED_TRY(store().insertUser(makeUser("level2", "L2")));
      Result<void> deepest = store().write([&]() -> Result<void> {
        XFED_TRY(store().insertUser(makeUser("level3", "L3")));
        return core::fail(Errc::InvalidArgument, "level 3 fails");
      });
      EXPECT_FALSE(deepest);
      return core::ok();
    }));
    return core::ok();
  }));
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({}))),
              ElementsAre("sip:level1@contoso.test", "sip:level2@contoso.test"));
}

// ----------------------------------------------------------------------------- dataVersion

TEST_F(SqliteConfigStoreTest, DataVersionChangesAfterEachCommittedWrite) {
  std::int64_t v0 = XFED_MUST(store().dataVersion());
  insertUsers({makeUser("alice", "Alice")});
  std::int64_t v1 = XFED_MUST(store().dataVersion());
  EXPECT_NE(v1, v0);
  XFED_ASSERT_OK(store().write([&] { return store().setAccessEdgeConfiguration({true}); }));
  std::int64_t v2 = XFED_MUST(store().dataVersion());
  EXPECT_NE(v2, v1);
  EXPECT_NE(v2, v0);
}

TEST_F(SqliteConfigStoreTest, DataVersionDoesNotChangeAfterARolledBackWrite) {
  std::int64_t before = XFED_MUST(store().dataVersion());
  ASSERT_FALSE(store().write([&]() -> Result<void> {
    XFED_TRY(store().insertUser(makeUser("alice", "Alice")));
    return core::fail(Errc::InvalidArgument, "no");
  }));
  EXPECT_EQ(XFED_MUST(store().dataVersion()), before);
}

TEST_F(SqliteConfigStoreTest, ACommittedWriteThatChangesNoRowsLeavesTheDataVersion) {
  // docs/adr/0002: only a write() whose body changed rows moves the version.
  std::int64_t before = XFED_MUST(store().dataVersion());
  XFED_ASSERT_OK(store().write([&]() -> Result<void> {
    XFED_TRY(store().listUsers({}));
    XFED_TRY(store().setAllUsersPolicy("FedPic"));  // no users: no row changes
    return core::ok();
  }));
  EXPECT_EQ(XFED_MUST(store().dataVersion()), before);
}

TEST_F(SqliteConfigStoreTest, OpeningAnExistingStoreDoesNotMoveTheDataVersion) {
  insertUsers({makeUser("alice", "Alice")});
  std::int64_t before = XFED_MUST(store().dataVersion());
  ConfigStorePtr other = open();
  ASSERT_NE(other, nullptr);
  restart();
  EXPECT_EQ(XFED_MUST(store().dataVersion()), before);
  EXPECT_EQ(XFED_MUST(other->dataVersion()), before);
}

TEST_F(SqliteConfigStoreTest, ASecondInstanceSeesTheFirstInstancesChanges) {
  ConfigStorePtr other = open();
  ASSERT_NE(other, nullptr);
  std::int64_t seen = XFED_MUST(other->dataVersion());
  insertUsers({makeUser("alice", "Alice")});
  std::int64_t after = XFED_MUST(other->dataVersion());
  EXPECT_NE(after, seen);
  EXPECT_EQ(after, XFED_MUST(store().dataVersion()));
  EXPECT_THAT(XFED_MUST(other->findUsers("alice@contoso.test")), SizeIs(1));
  EXPECT_EQ(XFED_MUST(other->readSnapshot()).user_count, 1);

  // And the other way round.
  XFED_ASSERT_OK(other->write([&] { return other->setAccessEdgeConfiguration({true}); }));
  EXPECT_NE(XFED_MUST(store().dataVersion()), after);
  EXPECT_TRUE(XFED_MUST(store().accessEdgeConfiguration()).allow_federated_users);
}

// ----------------------------------------------------------------------------- users

TEST_F(SqliteConfigStoreTest, FindUsersBySipAddressWithOrWithoutTheScheme) {
  insertUsers({makeUser("alice", "Alice"), makeUser("bob", "Bob")});
  EXPECT_THAT(addresses(XFED_MUST(store().findUsers("sip:alice@contoso.test"))),
              ElementsAre("sip:alice@contoso.test"));
  EXPECT_THAT(addresses(XFED_MUST(store().findUsers("alice@contoso.test"))),
              ElementsAre("sip:alice@contoso.test"));
  EXPECT_THAT(XFED_MUST(store().findUsers("carol@contoso.test")), IsEmpty());
  EXPECT_THAT(XFED_MUST(store().findUsers("alice@fabrikam.com")), IsEmpty());
}

TEST_F(SqliteConfigStoreTest, FindUsersBySipAddressIgnoresCase) {
  insertUsers({makeUser("alice", "Alice")});
  EXPECT_THAT(XFED_MUST(store().findUsers("ALICE@Contoso.Test")), SizeIs(1));
  EXPECT_THAT(XFED_MUST(store().findUsers("SIP:Alice@contoso.test")), SizeIs(1));
  EXPECT_THAT(XFED_MUST(store().findUsers("sip:ALICE@CONTOSO.TEST")), SizeIs(1));
}

TEST_F(SqliteConfigStoreTest, FindUsersAcceptsTheSchemeInAnyCase) {
  // URI schemes are case-insensitive (RFC 3261 §19.1.4): "Sip:" is "sip:".
  insertUsers({makeUser("alice", "Alice")});
  EXPECT_THAT(XFED_MUST(store().findUsers("Sip:alice@contoso.test")), SizeIs(1));
  EXPECT_THAT(XFED_MUST(store().findUsers("sIP:alice@contoso.test")), SizeIs(1));
}

TEST_F(SqliteConfigStoreTest, FindUsersByDisplayNameIgnoresCaseAndReturnsEveryMatch) {
  insertUsers({makeUser("jsmith", "John Smith"), makeUser("alice", "Alice"),
               makeUser("john.smith", "john smith", "fabrikam.test")});
  EXPECT_THAT(addresses(XFED_MUST(store().findUsers("JOHN SMITH"))),
              ElementsAre("sip:john.smith@fabrikam.test", "sip:jsmith@contoso.test"));
  EXPECT_THAT(addresses(XFED_MUST(store().findUsers("alice"))),
              ElementsAre("sip:alice@contoso.test"));
  EXPECT_THAT(XFED_MUST(store().findUsers("John")), IsEmpty());  // whole name only
}

TEST_F(SqliteConfigStoreTest, ListUsersFiltersWithWildcardsOnAddressAndDisplayName) {
  insertUsers({makeUser("alice", "Alice Smith"), makeUser("bob", "Bob Jones"),
               makeUser("carol", "Carol Smithers", "fabrikam.test"), makeUser("al", "Al")});
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({"*@fabrikam.test", {}}))),
              ElementsAre("sip:carol@fabrikam.test"));
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({"sip:al*", {}}))),
              ElementsAre("sip:al@contoso.test", "sip:alice@contoso.test"));
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({"*smith*", {}}))),
              ElementsAre("sip:alice@contoso.test", "sip:carol@fabrikam.test"));
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({"BOB*", {}}))),
              ElementsAre("sip:bob@contoso.test"));
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({"sip:???@contoso.test", {}}))),
              ElementsAre("sip:bob@contoso.test"));
  EXPECT_THAT(XFED_MUST(store().listUsers({"*nobody*", {}})), IsEmpty());
  EXPECT_THAT(XFED_MUST(store().listUsers({"*", {}})), SizeIs(4));
}

TEST_F(SqliteConfigStoreTest, ListUsersTreatsSqlLikeCharactersLiterally) {
  insertUsers({makeUser("a_b", "100% Sure"), makeUser("axb", "1000 Sure")});
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({"sip:a_b@*", {}}))),
              ElementsAre("sip:a_b@contoso.test"));
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({"100%*", {}}))),
              ElementsAre("sip:a_b@contoso.test"));
}

TEST_F(SqliteConfigStoreTest, ListUsersFilterWithoutTheSchemeMatchesTheAddress) {
  // sqlite_config_store.cc listUsers: "A filter without '@' or wildcard on an address also
  // matches "sip:" + it." An address typed without "sip:", as findUsers() accepts it.
  insertUsers({makeUser("alice", "Alice"), makeUser("bob", "Bob")});
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({"alice@contoso.test", {}}))),
              ElementsAre("sip:alice@contoso.test"));
}

TEST_F(SqliteConfigStoreTest, ListUsersHonoursTheLimitInAddressOrder) {
  insertUsers({makeUser("dave", "D"), makeUser("alice", "A"), makeUser("carol", "C"),
               makeUser("bob", "B")});
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({std::nullopt, 2}))),
              ElementsAre("sip:alice@contoso.test", "sip:bob@contoso.test"));
  EXPECT_THAT(XFED_MUST(store().listUsers({std::nullopt, 0})), IsEmpty());
  EXPECT_THAT(XFED_MUST(store().listUsers({std::nullopt, 10})), SizeIs(4));
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({"sip:*", 1}))),
              ElementsAre("sip:alice@contoso.test"));
}

TEST_F(SqliteConfigStoreTest, InsertingAnExistingAddressIsAlreadyExists) {
  insertUsers({makeUser("alice", "Alice")});
  Result<void> same = store().insertUser(makeUser("alice", "Other"));
  ASSERT_FALSE(same);
  EXPECT_EQ(same.error().code, Errc::AlreadyExists);
  EXPECT_THAT(same.error().detail, HasSubstr("sip:alice@contoso.test"));
  Result<void> other_case = store().insertUser(makeUser("ALICE", "Other"));
  ASSERT_FALSE(other_case);
  EXPECT_EQ(other_case.error().code, Errc::AlreadyExists);
  EXPECT_THAT(XFED_MUST(store().findUsers("alice")), SizeIs(1));
}

TEST_F(SqliteConfigStoreTest, UpdateUserReplacesTheStoredUserAndCanRenameIt) {
  insertUsers({makeUser("alice", "Alice")});
  User renamed = makeUser("alice.smith", "Alice Smith");
  renamed.enabled = false;
  XFED_ASSERT_OK(store().write([&] { return store().updateUser("sip:alice@contoso.test", renamed); }));
  EXPECT_THAT(XFED_MUST(store().findUsers("alice@contoso.test")), IsEmpty());
  std::vector<User> found = XFED_MUST(store().findUsers("alice.smith@contoso.test"));
  ASSERT_THAT(found, SizeIs(1));
  EXPECT_EQ(found[0].display_name, "Alice Smith");
  EXPECT_FALSE(found[0].enabled);
}

TEST_F(SqliteConfigStoreTest, UpdateUserToAnAddressInUseIsAlreadyExists) {
  insertUsers({makeUser("alice", "Alice"), makeUser("bob", "Bob")});
  Result<void> r = store().updateUser("sip:alice@contoso.test", makeUser("bob", "Alice"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::AlreadyExists);
}

TEST_F(SqliteConfigStoreTest, ChangingAMissingUserIsNotFound) {
  insertUsers({makeUser("alice", "Alice")});
  Result<void> update = store().updateUser("sip:nobody@contoso.test", makeUser("nobody", "N"));
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().code, Errc::NotFound);
  EXPECT_THAT(update.error().detail, HasSubstr("sip:nobody@contoso.test"));

  Result<void> remove = store().deleteUser("sip:nobody@contoso.test");
  ASSERT_FALSE(remove);
  EXPECT_EQ(remove.error().code, Errc::NotFound);

  Result<void> policy = store().setUserPolicy("sip:nobody@contoso.test", "FedPic");
  ASSERT_FALSE(policy);
  EXPECT_EQ(policy.error().code, Errc::NotFound);

  EXPECT_THAT(XFED_MUST(store().listUsers({})), SizeIs(1));
}

TEST_F(SqliteConfigStoreTest, DeleteUserRemovesOnlyThatUser) {
  insertUsers({makeUser("alice", "Alice"), makeUser("bob", "Bob")});
  XFED_ASSERT_OK(store().write([&] { return store().deleteUser("sip:alice@contoso.test"); }));
  EXPECT_THAT(addresses(XFED_MUST(store().listUsers({}))), ElementsAre("sip:bob@contoso.test"));
  Result<void> again = store().deleteUser("sip:alice@contoso.test");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::NotFound);
}

TEST_F(SqliteConfigStoreTest, SetUserPolicyGrantsAndUnassigns) {
  insertUsers({makeUser("alice", "Alice")});
  XFED_ASSERT_OK(store().setUserPolicy("sip:alice@contoso.test", "FedPic"));
  EXPECT_EQ(XFED_MUST(store().findUsers("alice@contoso.test"))[0].external_access_policy,
            std::optional<std::string>("FedPic"));
  XFED_ASSERT_OK(store().setUserPolicy("sip:alice@contoso.test", std::nullopt));
  EXPECT_EQ(XFED_MUST(store().findUsers("alice@contoso.test"))[0].external_access_policy,
            std::nullopt);
}

TEST_F(SqliteConfigStoreTest, SetAllUsersPolicyReturnsHowManyUsersItChanged) {
  EXPECT_EQ(XFED_MUST(store().setAllUsersPolicy("FedPic")), 0);
  insertUsers({makeUser("alice", "A"), makeUser("bob", "B"), makeUser("carol", "C")});
  EXPECT_EQ(XFED_MUST(store().setAllUsersPolicy("FedPic")), 3);
  EXPECT_EQ(XFED_MUST(store().countUsersWithPolicy("FedPic")), 3);
  EXPECT_EQ(XFED_MUST(store().setAllUsersPolicy(std::nullopt)), 3);
  EXPECT_EQ(XFED_MUST(store().countUsersWithPolicy("FedPic")), 0);
}

TEST_F(SqliteConfigStoreTest, CountUsersWithPolicyCountsOnlyThatPolicyIgnoringCase) {
  insertUsers({makeUser("alice", "A"), makeUser("bob", "B"), makeUser("carol", "C"),
               makeUser("dave", "D")});
  XFED_ASSERT_OK(store().setUserPolicy("sip:alice@contoso.test", "FedPic"));
  XFED_ASSERT_OK(store().setUserPolicy("sip:bob@contoso.test", "fedpic"));
  XFED_ASSERT_OK(store().setUserPolicy("sip:carol@contoso.test", "Other"));
  EXPECT_EQ(XFED_MUST(store().countUsersWithPolicy("FedPic")), 2);
  EXPECT_EQ(XFED_MUST(store().countUsersWithPolicy("FEDPIC")), 2);
  EXPECT_EQ(XFED_MUST(store().countUsersWithPolicy("Other")), 1);
  EXPECT_EQ(XFED_MUST(store().countUsersWithPolicy("None")), 0);
}

// ----------------------------------------------------------------------------- policies

TEST_F(SqliteConfigStoreTest, UpsertPolicyCreatesThenUpdatesInPlace) {
  ExternalAccessPolicy tag;
  tag.scope = PolicyScope::Tag;
  tag.name = "FedPic";
  tag.enable_federation_access = true;
  XFED_ASSERT_OK(store().upsertPolicy(tag));
  tag.name = "fedpic";  // the same policy: names ignore case
  tag.enable_xmpp_access = true;
  XFED_ASSERT_OK(store().upsertPolicy(tag));
  std::vector<ExternalAccessPolicy> all = XFED_MUST(store().policies());
  ASSERT_THAT(all, SizeIs(2));
  EXPECT_TRUE(all[1].enable_xmpp_access);
  std::optional<ExternalAccessPolicy> found =
      XFED_MUST(store().findPolicy(PolicyScope::Tag, "FEDPIC"));
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->enable_federation_access);
  EXPECT_FALSE(XFED_MUST(store().findPolicy(PolicyScope::Site, "FedPic")).has_value());
}

TEST_F(SqliteConfigStoreTest, PoliciesAreListedGlobalThenSitesThenTags) {
  for (auto [scope, name] : std::vector<std::pair<PolicyScope, std::string>>{
           {PolicyScope::Tag, "B"}, {PolicyScope::Site, "Z"}, {PolicyScope::Tag, "A"},
           {PolicyScope::Site, "M"}}) {
    ExternalAccessPolicy p;
    p.scope = scope;
    p.name = name;
    XFED_ASSERT_OK(store().upsertPolicy(p));
  }
  std::vector<std::string> identities;
  for (const ExternalAccessPolicy& p : XFED_MUST(store().policies())) {
    identities.push_back(p.identity());
  }
  EXPECT_THAT(identities, ElementsAre("Global", "Site:M", "Site:Z", "Tag:A", "Tag:B"));
}

TEST_F(SqliteConfigStoreTest, DeletingAMissingPolicyIsNotFound) {
  Result<void> r = store().deletePolicy(PolicyScope::Tag, "Nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::NotFound);
  ExternalAccessPolicy tag;
  tag.scope = PolicyScope::Tag;
  tag.name = "FedPic";
  XFED_ASSERT_OK(store().upsertPolicy(tag));
  XFED_ASSERT_OK(store().deletePolicy(PolicyScope::Tag, "fedpic"));
  EXPECT_THAT(XFED_MUST(store().policies()), SizeIs(1));
}

// ----------------------------------------------------------------------------- topology

TEST_F(SqliteConfigStoreTest, PublishTopologyAddsAVersionAndTopologyReturnsTheNewest) {
  config::Topology t = config::defaultTopology();
  t.sites[0].description = "second";
  t.version = 99;  // ignored: the store assigns versions
  EXPECT_EQ(XFED_MUST(store().publishTopology(t)), 2);
  t.sites[0].description = "third";
  EXPECT_EQ(XFED_MUST(store().publishTopology(t)), 3);
  config::Topology newest = XFED_MUST(store().topology());
  EXPECT_EQ(newest.version, 3);
  EXPECT_EQ(newest.sites[0].description, "third");
  EXPECT_FALSE(newest.published_at.empty());
  EXPECT_EQ(sqliteInteger(path_, "SELECT count(*) FROM topology_versions"), 3);
  restart();
  EXPECT_EQ(XFED_MUST(store().topology()).version, 3);
  EXPECT_EQ(XFED_MUST(store().publishTopology(t)), 4);
}

// ----------------------------------------------------------------------------- partners

TEST_F(SqliteConfigStoreTest, UpsertPartnerReplacesTheAdditionalDomains) {
  XmppPartner p;
  p.domain = "fabrikam.com";
  p.additional_domains = {"a.fabrikam.com", "b.fabrikam.com"};
  XFED_ASSERT_OK(store().upsertPartner(p));
  p.additional_domains = {"c.fabrikam.com", "a.fabrikam.com"};
  p.connection_limit = 3;
  XFED_ASSERT_OK(store().upsertPartner(p));
  std::vector<XmppPartner> all = XFED_MUST(store().partners());
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_THAT(all[0].additional_domains, ElementsAre("c.fabrikam.com", "a.fabrikam.com"));
  EXPECT_EQ(all[0].connection_limit, std::optional<std::uint32_t>(3));
  p.additional_domains.clear();
  p.connection_limit.reset();
  XFED_ASSERT_OK(store().upsertPartner(p));
  all = XFED_MUST(store().partners());
  EXPECT_THAT(all[0].additional_domains, IsEmpty());
  EXPECT_EQ(all[0].connection_limit, std::nullopt);
}

TEST_F(SqliteConfigStoreTest, UpsertPartnerNamedInAnotherCaseUpdatesTheSamePartner) {
  // Partner domains ignore case in the schema (xmpp_partners.domain COLLATE NOCASE), so
  // "Fabrikam.COM" is the stored "fabrikam.com" and its additional domains are replaced.
  XmppPartner p;
  p.domain = "fabrikam.com";
  p.additional_domains = {"im.fabrikam.com"};
  XFED_ASSERT_OK(store().upsertPartner(p));
  p.domain = "Fabrikam.COM";
  p.additional_domains = {"im.fabrikam.com", "chat.fabrikam.com"};
  XFED_EXPECT_OK(store().upsertPartner(p));
  std::vector<XmppPartner> all = XFED_MUST(store().partners());
  ASSERT_THAT(all, SizeIs(1));
  EXPECT_THAT(all[0].additional_domains, ElementsAre("im.fabrikam.com", "chat.fabrikam.com"));
}

TEST_F(SqliteConfigStoreTest, DeletingAPartnerFreesItsAdditionalDomainsForAnother) {
  XmppPartner fabrikam;
  fabrikam.domain = "fabrikam.com";
  fabrikam.additional_domains = {"shared.example", "im.fabrikam.com"};
  XmppPartner litware;
  litware.domain = "litware.com";
  XFED_ASSERT_OK(store().upsertPartner(fabrikam));
  XFED_ASSERT_OK(store().upsertPartner(litware));

  XFED_ASSERT_OK(store().write([&] { return store().deletePartner("fabrikam.com"); }));
  EXPECT_THAT(partnerDomains(XFED_MUST(store().partners())), ElementsAre("litware.com"));
  EXPECT_EQ(sqliteInteger(path_, "SELECT count(*) FROM xmpp_partner_domains"), 0);

  XmppPartner contoso;
  contoso.domain = "northwind.com";
  contoso.additional_domains = {"shared.example", "im.fabrikam.com"};
  XFED_ASSERT_OK(store().upsertPartner(contoso));
  std::vector<XmppPartner> all = XFED_MUST(store().partners());
  ASSERT_THAT(partnerDomains(all), ElementsAre("litware.com", "northwind.com"));
  EXPECT_THAT(all[1].additional_domains, ElementsAre("shared.example", "im.fabrikam.com"));
}

TEST_F(SqliteConfigStoreTest, DeletingAPartnerAfterARestartAlsoRemovesItsDomains) {
  // The cascade needs PRAGMA foreign_keys on every connection, not only the one that created it.
  XmppPartner fabrikam;
  fabrikam.domain = "fabrikam.com";
  fabrikam.additional_domains = {"im.fabrikam.com"};
  XFED_ASSERT_OK(store().upsertPartner(fabrikam));
  restart();
  XFED_ASSERT_OK(store().deletePartner("fabrikam.com"));
  EXPECT_EQ(sqliteInteger(path_, "SELECT count(*) FROM xmpp_partner_domains"), 0);
}

TEST_F(SqliteConfigStoreTest, DeletingAPartnerNamedInAnotherCaseRemovesItAndItsDomains) {
  XmppPartner fabrikam;
  fabrikam.domain = "fabrikam.com";
  fabrikam.additional_domains = {"im.fabrikam.com"};
  XFED_ASSERT_OK(store().upsertPartner(fabrikam));
  XFED_ASSERT_OK(store().deletePartner("FABRIKAM.com"));
  EXPECT_THAT(XFED_MUST(store().partners()), IsEmpty());
  EXPECT_EQ(sqliteInteger(path_, "SELECT count(*) FROM xmpp_partner_domains"), 0);
}

TEST_F(SqliteConfigStoreTest, DeletingAMissingPartnerIsNotFound) {
  Result<void> r = store().deletePartner("nobody.example");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::NotFound);
  EXPECT_THAT(r.error().detail, HasSubstr("nobody.example"));
}

// ----------------------------------------------------------------------------- schema versions

TEST_F(SqliteConfigStoreTest, AStoreFromANewerXfedIsRefused) {
  store_.reset();
  ASSERT_EQ(sqliteExec(path_, "PRAGMA user_version = 99"), "");
  Result<ConfigStorePtr> r = openSqliteConfigStore(path_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::StoreFailure);
  EXPECT_THAT(r.error().detail, AllOf(HasSubstr("99"), HasSubstr("newer xfed")));
}

TEST_F(SqliteConfigStoreTest, RefusingAStoreFromANewerXfedLeavesItUntouched) {
  insertUsers({makeUser("alice", "Alice")});
  store_.reset();
  ASSERT_EQ(sqliteExec(path_, "PRAGMA user_version = 99"), "");
  std::int64_t counter =
      sqliteInteger(path_, "SELECT value FROM meta WHERE key = 'change_counter'");
  ASSERT_GE(counter, 0);
  ASSERT_FALSE(openSqliteConfigStore(path_));
  EXPECT_EQ(sqliteInteger(path_, "SELECT value FROM meta WHERE key = 'change_counter'"), counter)
      << "opening a newer store must not write to it";
  EXPECT_EQ(sqliteInteger(path_, "PRAGMA user_version"), 99);
}

TEST_F(SqliteConfigStoreTest, AStoreFromANewerXfedWithAnUnknownSchemaIsRefusedAsNewer) {
  // A future schema need not have this build's tables; the version alone decides.
  store_.reset();
  fs::path future = dir_.path() / "future.sqlite";
  ASSERT_EQ(sqliteExec(future, "CREATE TABLE settings (k TEXT); PRAGMA user_version = 99"), "");
  Result<ConfigStorePtr> r = openSqliteConfigStore(future);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::StoreFailure);
  EXPECT_THAT(r.error().detail, HasSubstr("newer xfed"));
}

// ----------------------------------------------------------------------------- data directory

TEST(DataDir, OpeningANewDirectoryCreatesTheStoreAndTheLabPki) {
  TempDir parent;
  ASSERT_FALSE(parent.path().empty());
  fs::path root = parent.path() / "data";
  app::DataDir dir = XFED_MUST(app::openDataDir(root));
  EXPECT_EQ(dir.root, root);
  EXPECT_TRUE(fs::is_regular_file(dir.storePath()));
  pki::LabPkiFiles files = dir.pkiFiles();
  for (const fs::path& f : {files.ca_cert, files.ca_key, files.edge_external_cert,
                            files.edge_external_key, files.internal_cert, files.internal_key,
                            files.front_end_cert, files.front_end_key}) {
    EXPECT_TRUE(fs::is_regular_file(f)) << f;
  }
  ConfigStorePtr store = XFED_MUST(app::openStore(dir));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(XFED_MUST(store->topology()).version, 1);
}

TEST(DataDir, APathThatIsAFileIsRefused) {
  TempDir parent;
  ASSERT_FALSE(parent.path().empty());
  fs::path file = parent.path() / "file";
  ASSERT_EQ(sqliteExec(file, "CREATE TABLE t (x)"), "");
  Result<app::DataDir> r = app::openDataDir(file);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::IoFailure);
  EXPECT_THAT(r.error().detail, HasSubstr("not a directory"));
}

}  // namespace
}  // namespace xfed::store
