// SPDX-License-Identifier: Apache-2.0
#include "app/node_config.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "core/errors.h"

namespace xfed::app {
namespace {

using namespace std::chrono_literals;

// The error of parsing text; fails the test when parsing succeeds.
std::string errorOf(std::string_view text) {
  core::Result<NodeConfig> config = parseNodeConfig(text);
  if (config) {
    ADD_FAILURE() << "parsed without error:\n" << text;
    return {};
  }
  EXPECT_EQ(config.error().code, core::Errc::InvalidArgument) << config.error().detail;
  return config.error().detail;
}

TEST(NodeConfigTest, EmptyTextGivesDefaults) {
  core::Result<NodeConfig> config = parseNodeConfig("");
  ASSERT_TRUE(config) << config.error().detail;
  EXPECT_EQ(config->roles, (std::vector<Role>{Role::FrontEnd, Role::Edge}));
  EXPECT_TRUE(config->hasRole(Role::FrontEnd));
  EXPECT_TRUE(config->hasRole(Role::Edge));
  EXPECT_EQ(config->fqdn, "");
  EXPECT_FALSE(config->data_dir.has_value());
  EXPECT_EQ(config->threads, 1);
  EXPECT_EQ(config->log.level, LogLevel::Info);
  EXPECT_EQ(config->log.format, LogFormat::Text);
  EXPECT_EQ(config->log.file, "");
  EXPECT_EQ(config->admin_socket, "");
  EXPECT_EQ(config->store_poll_interval, 1000ms);
}

TEST(NodeConfigTest, DefaultFileParsesToDefaults) {
  const std::string text = defaultNodeConfigToml();
  EXPECT_NE(text.find("# "), std::string::npos) << "the default file explains itself";
  core::Result<NodeConfig> config = parseNodeConfig(text);
  ASSERT_TRUE(config) << config.error().detail;
  const NodeConfig defaults;
  EXPECT_EQ(config->roles, defaults.roles);
  EXPECT_EQ(config->fqdn, defaults.fqdn);
  EXPECT_EQ(config->data_dir, defaults.data_dir);
  EXPECT_EQ(config->threads, defaults.threads);
  EXPECT_EQ(config->log.level, defaults.log.level);
  EXPECT_EQ(config->log.format, defaults.log.format);
  EXPECT_EQ(config->log.file, defaults.log.file);
  EXPECT_EQ(config->admin_socket, defaults.admin_socket);
  EXPECT_EQ(config->store_poll_interval, defaults.store_poll_interval);
}

TEST(NodeConfigTest, ParsesEveryKey) {
  core::Result<NodeConfig> config = parseNodeConfig(R"(
[node]
roles = ["edge"]
fqdn = "Edge01.Contoso.test"
data_dir = "/srv/xfed"
threads = 4

[log]
level = "debug"
format = "json"
file = "log/xfed.log"

[admin]
socket = "/run/xfed/admin.sock"

[store]
poll_interval_ms = 250
)");
  ASSERT_TRUE(config) << config.error().detail;
  EXPECT_EQ(config->roles, std::vector<Role>{Role::Edge});
  EXPECT_FALSE(config->hasRole(Role::FrontEnd));
  EXPECT_EQ(config->fqdn, "edge01.contoso.test");
  EXPECT_EQ(config->data_dir, "/srv/xfed");
  EXPECT_EQ(config->threads, 4);
  EXPECT_EQ(config->log.level, LogLevel::Debug);
  EXPECT_EQ(config->log.format, LogFormat::Json);
  EXPECT_EQ(config->log.file, "log/xfed.log");
  EXPECT_EQ(config->admin_socket, "/run/xfed/admin.sock");
  EXPECT_EQ(config->store_poll_interval, 250ms);
}

TEST(NodeConfigTest, RolesAreSortedWhateverTheOrderWritten) {
  core::Result<NodeConfig> config = parseNodeConfig("[node]\nroles = [\"edge\", \"frontend\"]\n");
  ASSERT_TRUE(config) << config.error().detail;
  EXPECT_EQ(config->roles, (std::vector<Role>{Role::FrontEnd, Role::Edge}));
  EXPECT_EQ(joinRoles(config->roles), "frontend,edge");
}

TEST(NodeConfigTest, FrontEndOnly) {
  core::Result<NodeConfig> config = parseNodeConfig("[node]\nroles = [\"frontend\"]\n");
  ASSERT_TRUE(config) << config.error().detail;
  EXPECT_EQ(config->roles, std::vector<Role>{Role::FrontEnd});
}

TEST(NodeConfigTest, EveryLogLevelAndFormatIsAccepted) {
  for (const char* level : {"trace", "debug", "info", "warn", "error"}) {
    core::Result<NodeConfig> config =
        parseNodeConfig(std::string("[log]\nlevel = \"") + level + "\"\n");
    ASSERT_TRUE(config) << level << ": " << config.error().detail;
    EXPECT_EQ(toString(config->log.level), level);
  }
  for (const char* format : {"text", "json"}) {
    core::Result<NodeConfig> config =
        parseNodeConfig(std::string("[log]\nformat = \"") + format + "\"\n");
    ASSERT_TRUE(config) << format << ": " << config.error().detail;
    EXPECT_EQ(toString(config->log.format), format);
  }
}

TEST(NodeConfigTest, BoundsAreInclusive) {
  for (const char* text :
       {"[node]\nthreads = 1\n", "[node]\nthreads = 64\n", "[store]\npoll_interval_ms = 100\n",
        "[store]\npoll_interval_ms = 60000\n"}) {
    core::Result<NodeConfig> config = parseNodeConfig(text);
    EXPECT_TRUE(config) << text << config.error().detail;
  }
}

TEST(NodeConfigTest, EmptyFqdnMeansNotSet) {
  core::Result<NodeConfig> config = parseNodeConfig("[node]\nfqdn = \"\"\n");
  ASSERT_TRUE(config) << config.error().detail;
  EXPECT_EQ(config->fqdn, "");
}

TEST(NodeConfigTest, SyntaxErrorNamesTheSourceAndLine) {
  core::Result<NodeConfig> config = parseNodeConfig("[node]\nthreads = = 2\n", "my.toml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, core::Errc::InvalidArgument);
  EXPECT_EQ(config.error().detail.rfind("my.toml:2:", 0), 0u) << config.error().detail;
}

TEST(NodeConfigTest, UnknownTableIsAnError) {
  const std::string error = errorOf("[nodes]\nthreads = 2\n");
  EXPECT_NE(error.find("'nodes'"), std::string::npos) << error;
  EXPECT_NE(error.find("node, log, admin, store"), std::string::npos) << error;
}

TEST(NodeConfigTest, TopLevelKeyIsAnErrorWithAHint) {
  const std::string error = errorOf("threads = 2\n");
  EXPECT_NE(error.find("'threads'"), std::string::npos) << error;
  EXPECT_NE(error.find("[node]"), std::string::npos) << error;
}

TEST(NodeConfigTest, KnownTableNameThatIsNotATableIsAnError) {
  const std::string error = errorOf("node = 3\n");
  EXPECT_NE(error.find("node: must be a table"), std::string::npos) << error;
  const std::string array_error = errorOf("[[log]]\nlevel = \"info\"\n");
  EXPECT_NE(array_error.find("log: must be a table"), std::string::npos) << array_error;
}

TEST(NodeConfigTest, UnknownKeyInEachTableNamesKeyAndAllowedKeys) {
  struct Case {
    const char* text;
    const char* key;
    const char* allowed;
  };
  const Case cases[] = {
      {"[node]\nrole = [\"edge\"]\n", "node.role", "roles, fqdn, data_dir, threads"},
      {"[log]\nlevl = \"info\"\n", "log.levl", "level, format, file"},
      {"[admin]\npath = \"/x\"\n", "admin.path", "socket"},
      {"[store]\npoll_interval = 5\n", "store.poll_interval", "poll_interval_ms"},
      {"[node.extra]\nx = 1\n", "node.extra", "roles, fqdn, data_dir, threads"},
  };
  for (const Case& c : cases) {
    const std::string error = errorOf(c.text);
    EXPECT_NE(error.find(c.key), std::string::npos) << error;
    EXPECT_NE(error.find("unknown key"), std::string::npos) << error;
    EXPECT_NE(error.find(c.allowed), std::string::npos) << error;
  }
}

TEST(NodeConfigTest, WrongTypesNameTheKeyAndTheExpectedType) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"[node]\nroles = \"edge\"\n", "node.roles: must be an array"},
      {"[node]\nroles = [1]\n", "node.roles[0]: must be a string, not an integer"},
      {"[node]\nfqdn = 5\n", "node.fqdn: must be a string, not an integer"},
      {"[node]\ndata_dir = true\n", "node.data_dir: must be a string, not a boolean"},
      {"[node]\nthreads = \"2\"\n", "node.threads: must be an integer, not a string"},
      {"[node]\nthreads = 2.0\n", "node.threads: must be an integer, not a float"},
      {"[log]\nlevel = 1\n", "log.level: must be a string"},
      {"[log]\nformat = [\"json\"]\n", "log.format: must be a string, not an array"},
      {"[log]\nfile = 1979-05-27\n", "log.file: must be a string, not a date"},
      {"[admin]\nsocket = {}\n", "admin.socket: must be a string, not a table"},
      {"[store]\npoll_interval_ms = \"1s\"\n", "store.poll_interval_ms: must be an integer"},
  };
  for (const Case& c : cases) {
    const std::string error = errorOf(c.text);
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.text << " -> " << error;
  }
}

TEST(NodeConfigTest, OutOfRangeValuesNameTheKeyAndTheRange) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"[node]\nthreads = 0\n", "node.threads: 0 is out of range; allowed 1..64"},
      {"[node]\nthreads = 65\n", "node.threads: 65 is out of range; allowed 1..64"},
      {"[node]\nthreads = -3\n", "node.threads: -3 is out of range"},
      {"[store]\npoll_interval_ms = 99\n",
       "store.poll_interval_ms: 99 is out of range; "
       "allowed 100..60000"},
      {"[store]\npoll_interval_ms = 60001\n", "allowed 100..60000"},
  };
  for (const Case& c : cases) {
    const std::string error = errorOf(c.text);
    EXPECT_NE(error.find(c.expected), std::string::npos) << c.text << " -> " << error;
  }
}

TEST(NodeConfigTest, RoleErrors) {
  const std::string unknown = errorOf("[node]\nroles = [\"frontend\", \"gateway\"]\n");
  EXPECT_NE(unknown.find("node.roles: unknown role 'gateway'; allowed: frontend, edge"),
            std::string::npos)
      << unknown;
  const std::string empty = errorOf("[node]\nroles = []\n");
  EXPECT_NE(empty.find("node.roles: must name at least one role"), std::string::npos) << empty;
  const std::string twice = errorOf("[node]\nroles = [\"edge\", \"edge\"]\n");
  EXPECT_NE(twice.find("node.roles: role 'edge' is listed twice"), std::string::npos) << twice;
  const std::string case_sensitive = errorOf("[node]\nroles = [\"Edge\"]\n");
  EXPECT_NE(case_sensitive.find("unknown role 'Edge'"), std::string::npos) << case_sensitive;
}

TEST(NodeConfigTest, UnknownLevelAndFormatListWhatIsAllowed) {
  const std::string level = errorOf("[log]\nlevel = \"verbose\"\n");
  EXPECT_NE(level.find("log.level: unknown level 'verbose'; allowed: trace, debug, info, warn, "
                       "error"),
            std::string::npos)
      << level;
  const std::string format = errorOf("[log]\nformat = \"xml\"\n");
  EXPECT_NE(format.find("log.format: unknown format 'xml'; allowed: text, json"), std::string::npos)
      << format;
}

TEST(NodeConfigTest, InvalidFqdnIsAnError) {
  for (const char* fqdn : {"fe 01.contoso.test", "-fe.contoso.test", "fe-.contoso.test",
                           "fe..contoso.test", ".contoso.test", "fe_01.contoso.test"}) {
    const std::string error = errorOf(std::string("[node]\nfqdn = \"") + fqdn + "\"\n");
    EXPECT_NE(error.find("node.fqdn:"), std::string::npos) << fqdn << " -> " << error;
    EXPECT_NE(error.find("not a valid FQDN"), std::string::npos) << fqdn << " -> " << error;
  }
}

TEST(NodeConfigTest, EmptyDataDirIsAnError) {
  const std::string error = errorOf("[node]\ndata_dir = \"\"\n");
  EXPECT_NE(error.find("node.data_dir: must not be empty"), std::string::npos) << error;
}

TEST(NodeConfigTest, TooLongAdminSocketIsAnError) {
  const std::string error =
      errorOf("[admin]\nsocket = \"/" + std::string(kMaxUnixSocketPath, 'a') + "\"\n");
  EXPECT_NE(error.find("admin.socket:"), std::string::npos) << error;
  EXPECT_NE(error.find("limited to 107 bytes"), std::string::npos) << error;
}

TEST(NodeConfigTest, ErrorsCarryTheLineOfTheValue) {
  const std::string error = errorOf("[node]\nroles = [\"edge\"]\n\nthreads = 100\n");
  EXPECT_EQ(error.rfind("node.toml:4:", 0), 0u) << error;
}

TEST(NodeConfigTest, LoadReadsAFile) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("xfed-node-config-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(path);
    out << "[node]\nroles = [\"frontend\"]\nthreads = 3\n";
  }
  core::Result<NodeConfig> config = loadNodeConfig(path);
  ASSERT_TRUE(config) << config.error().detail;
  EXPECT_EQ(config->roles, std::vector<Role>{Role::FrontEnd});
  EXPECT_EQ(config->threads, 3);
  {
    std::ofstream out(path);
    out << "[node]\nthreads = 0\n";
  }
  core::Result<NodeConfig> bad = loadNodeConfig(path);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail.rfind(path.string() + ":2:", 0), 0u) << bad.error().detail;
  std::filesystem::remove(path);
}

TEST(NodeConfigTest, LoadOfAMissingFileIsNotFound) {
  core::Result<NodeConfig> config = loadNodeConfig("/nonexistent/xfed/node.toml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, core::Errc::NotFound);
  EXPECT_NE(config.error().detail.find("/nonexistent/xfed/node.toml"), std::string::npos);
}

TEST(NodeConfigTest, RoleNamesRoundTrip) {
  for (const Role role : {Role::FrontEnd, Role::Edge}) {
    EXPECT_EQ(parseRole(toString(role)), role);
  }
  EXPECT_FALSE(parseRole("front-end"));
  EXPECT_EQ(toString(Role::FrontEnd), "frontend");
  EXPECT_EQ(toString(Role::Edge), "edge");
}

TEST(NodeConfigTest, LogNamesRoundTrip) {
  for (const LogLevel level :
       {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error}) {
    EXPECT_EQ(parseLogLevel(toString(level)), level);
  }
  for (const LogFormat format : {LogFormat::Text, LogFormat::Json}) {
    EXPECT_EQ(parseLogFormat(toString(format)), format);
  }
  EXPECT_FALSE(parseLogLevel("warning"));
  EXPECT_FALSE(parseLogFormat("JSON"));
}

}  // namespace
}  // namespace xfed::app
