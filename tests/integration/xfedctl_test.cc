// SPDX-License-Identifier: Apache-2.0
// xfedctl as admins use it: one-liners, scripts, the Unix CLI, help, passwords, concurrent
// writers, the interactive shell, and the service commands of the seed's step 22.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>

#include <nlohmann/json.hpp>

#include "app/admin_client.h"
#include "app/data_dir.h"
#include "fakes/child_process.h"
#include "fakes/temp_dir.h"

namespace xfed {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

class XfedctlTest : public testing::Test {
protected:
  fs::path dataDir() const { return temp_.path() / "data"; }

  fakes::RunResult ctl(std::vector<std::string> args,
                       const std::optional<std::string>& stdin_text = std::nullopt) {
    args.insert(args.begin(), {"--data-dir", dataDir().string()});
    return fakes::runToCompletion(fs::path(XFED_BIN_DIR) / "xfedctl", args,
                                  temp_.path() / ("run" + std::to_string(++runs_)), stdin_text);
  }

  std::string writeFile(const std::string& name, const std::string& text) {
    fs::path path = temp_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }

  store::ConfigStorePtr openStore() {
    auto dir = app::openDataDir(dataDir());
    EXPECT_TRUE(dir);
    auto store = app::openStore(*dir);
    EXPECT_TRUE(store);
    return std::move(*store);
  }

  fakes::TempDir temp_;
  int runs_ = 0;
};

TEST_F(XfedctlTest, OneLinerInCmdletSyntax) {
  auto r = ctl({"New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported "
                "-SaslNegotiation NotSupported -EnableKeepAlive $false "
                "-SupportDialbackNegotiation $true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "Identity                   : gmail.com")) << r.out;
  EXPECT_TRUE(contains(r.out, "TlsNegotiation             : NotSupported")) << r.out;
  // Words passed separately (no quoting by the caller) are joined back into one line.
  r = ctl({"Get-CsXmppAllowedPartner", "-Identity", "gmail.com"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "EnableKeepAlive            : False")) << r.out;
}

TEST_F(XfedctlTest, UnixSyntaxWithJsonOutput) {
  auto r = ctl({"partner", "new", "gmail.com", "--tls-negotiation", "not-supported",
                "--sasl-negotiation=not-supported", "--no-enable-keep-alive",
                "--support-dialback-negotiation", "true", "--connection-limit", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = ctl({"partner", "get", "gmail.com", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out);
  ASSERT_TRUE(doc.is_array() && doc.size() == 1) << r.out;
  EXPECT_EQ(doc[0]["TlsNegotiation"], "NotSupported");
  EXPECT_EQ(doc[0]["SaslNegotiation"], "NotSupported");
  EXPECT_EQ(doc[0]["EnableKeepAlive"], false);
  EXPECT_EQ(doc[0]["SupportDialbackNegotiation"], true);
  EXPECT_EQ(doc[0]["ConnectionLimit"], 4);
  r = ctl({"partner", "set", "gmail.com", "--additional-domains-add", "googlemail.com"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = ctl({"--json", "Get-CsXmppAllowedPartner gmail.com"});
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["AdditionalDomains"][0], "googlemail.com") << r.out;
}

TEST_F(XfedctlTest, UnixSyntaxErrorsNameTheOptions) {
  auto r = ctl({"partner", "new", "x.org", "--tls", "sometimes"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "'sometimes' is not a valid value for -TlsNegotiation")) << r.err;
  r = ctl({"partner", "new", "x.org", "--colour", "blue"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "unknown option '--colour'")) << r.err;
  EXPECT_TRUE(contains(r.err, "--tls-negotiation")) << r.err;
  r = ctl({"partner", "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "new, set, get, remove")) << r.err;
}

TEST_F(XfedctlTest, HelpIsGeneratedForEveryCommand) {
  auto r = ctl({"--help"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "Grant-CsExternalAccessPolicy")) << r.out;
  EXPECT_TRUE(contains(r.out, "policy grant")) << r.out;
  r = ctl({"policy", "grant", "--help"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.out, "-PolicyName")) << r.out;
  EXPECT_TRUE(contains(r.out, "--policy-name")) << r.out;
  EXPECT_TRUE(contains(r.out, "accepts pipeline input")) << r.out;
  r = ctl({"help", "Set-CsSite"});
  EXPECT_TRUE(contains(r.out, "-XmppFederationRoute, -XmppExternalFederationRoute")) << r.out;
}

TEST_F(XfedctlTest, UnknownCommandSuggestsAndFails) {
  auto r = ctl({"Grant-CsExternalAccesPolicy -PolicyName FedPic"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "did you mean: Grant-CsExternalAccessPolicy")) << r.err;
}

TEST_F(XfedctlTest, SeedScriptFromAFile) {
  ctl({"Enable-CsUser a@contoso.test; Enable-CsUser b@contoso.test"});
  auto r = ctl({"-f", std::string(XFED_TEST_DATA) + "/seed/step24.ps1"});
  EXPECT_EQ(r.exit_code, 1) << "the two placeholder lines fail: " << r.err;
  auto store = openStore();
  EXPECT_EQ(*store->countUsersWithPolicy("FedPic"), 2);
  auto fedpic = store->findPolicy(config::PolicyScope::Tag, "FedPic");
  ASSERT_TRUE(fedpic && *fedpic);
  EXPECT_TRUE((*fedpic)->enable_xmpp_access && (*fedpic)->enable_federation_access &&
              (*fedpic)->enable_public_cloud_access);
}

TEST_F(XfedctlTest, ScriptOnStandardInput) {
  auto r = ctl({}, "Get-CsSipDomain\nGet-CsSite -Identity Site1\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "contoso.test")) << r.out;
  EXPECT_TRUE(contains(r.out, "EdgeServer:edge.contoso.test")) << r.out;
}

TEST_F(XfedctlTest, PasswordFromStdinIsStoredOnlyAsDigests) {
  const std::string password = "Very-Secret-Pw-42";
  auto r = ctl({"Enable-CsUser 'Alice' -SipAddress alice@contoso.test -PasswordFromStdin"},
               password + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(contains(r.out + r.err, password));
  auto store = openStore();
  auto users = store->findUsers("sip:alice@contoso.test");
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ(users->front().ha1_md5.size(), 32u);
  EXPECT_EQ(users->front().ha1_sha256.size(), 64u);
  store.reset();
  for (const char* file : {"cms.sqlite", "cms.sqlite-wal"}) {
    EXPECT_FALSE(contains(fakes::readWholeFile(dataDir() / file), password)) << file;
  }
}

TEST_F(XfedctlTest, PasswordFromAFile) {
  auto r = ctl({"Enable-CsUser bob@contoso.test -PasswordFile '" +
                writeFile("bob.pw", "another-password\n") + "'"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(openStore()->findUsers("bob@contoso.test")->front().ha1_md5.size(), 32u);
}

TEST_F(XfedctlTest, TwoWritersAtOnceLoseNothing) {
  ctl({"Get-CsSipDomain"});  // create the data directory first
  std::string a, b;
  for (int i = 0; i < 150; ++i) {
    a += "Enable-CsUser a" + std::to_string(i) + "@contoso.test\n";
    b += "Enable-CsUser b" + std::to_string(i) + "@contoso.test\n";
  }
  fs::path binary = fs::path(XFED_BIN_DIR) / "xfedctl";
  std::vector<std::string> common{"--data-dir", dataDir().string(), "-f"};
  auto argsFor = [&](const std::string& file) {
    std::vector<std::string> args = common;
    args.push_back(file);
    return args;
  };
  fakes::ChildProcess first(binary, argsFor(writeFile("a.ps1", a)), temp_.path() / "a");
  fakes::ChildProcess second(binary, argsFor(writeFile("b.ps1", b)), temp_.path() / "b");
  ASSERT_TRUE(first.waitExit(120s)) << "first writer did not finish";
  ASSERT_TRUE(second.waitExit(120s)) << "second writer did not finish";
  EXPECT_EQ(first.exitCode(), 0) << first.stderrText();
  EXPECT_EQ(second.exitCode(), 0) << second.stderrText();
  EXPECT_EQ(openStore()->listUsers({})->size(), 300u);
}

TEST_F(XfedctlTest, ServiceCommandsOfStep22StartAndStopTheNode) {
  auto r = ctl({"Start-CsWindowsService"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = ctl({"Get-CsWindowsService"});
  EXPECT_TRUE(contains(r.out, "Status        : Running")) << r.out;
  // Start is idempotent.
  EXPECT_EQ(ctl({"Start-CsWindowsService"}).exit_code, 0);

  // A change made with xfedctl reaches the running node without a restart.
  ASSERT_EQ(ctl({"New-CsXmppAllowedPartner fabrikam.com"}).exit_code, 0);
  app::DataDir dir{dataDir()};
  auto status = app::adminRequest(dir.adminSocketPath(), R"({"op":"status"})", 3000ms);
  ASSERT_TRUE(status) << status.error().detail;
  nlohmann::json doc = nlohmann::json::parse(*status);
  EXPECT_EQ(doc["config"]["partners"], 1) << *status;

  r = ctl({"Stop-CsWindowsService"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = ctl({"Get-CsWindowsService"});
  EXPECT_TRUE(contains(r.out, "Status        : Stopped")) << r.out;
  EXPECT_FALSE(fs::exists(dir.adminSocketPath()));
}

TEST_F(XfedctlTest, StartReportsANodeThatCannotStart) {
  ASSERT_EQ(ctl({"Get-CsSipDomain"}).exit_code, 0);  // creates the data directory
  std::ofstream(dataDir() / "node.toml") << "[node]\nthreads = 0\n";
  auto r = ctl({"Start-CsWindowsService"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "the service did not start; see")) << r.err;
  EXPECT_TRUE(contains(fakes::readWholeFile(dataDir() / "log" / "xfed.out"), "node.threads"))
      << "the log says why";
  EXPECT_TRUE(contains(ctl({"Get-CsWindowsService"}).out, "Status        : Stopped"));
}

// ------------------------------------------------------------------------ interactive shell

/** xfedctl on a pseudo-terminal, driven like a person at the keyboard. */
class Terminal {
public:
  Terminal(const fs::path& data_dir, const fs::path& home) {
    pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      setenv("HOME", home.c_str(), 1);
      setenv("TERM", "dumb", 1);
      std::string binary = (fs::path(XFED_BIN_DIR) / "xfedctl").string();
      execl(binary.c_str(), binary.c_str(), "--data-dir", data_dir.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) {
      close(master_);
    }
  }

  void type(std::string_view keys) { (void)!write(master_, keys.data(), keys.size()); }

  /** Reads the screen until it contains text, or the deadline passes. */
  bool waitFor(std::string_view text, std::chrono::milliseconds deadline = 10000ms) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (screen_.find(text) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return false;
      }
      pollfd p{master_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return false;
      }
      char buffer[4096];
      ssize_t n = read(master_, buffer, sizeof buffer);
      if (n <= 0) {
        return false;
      }
      screen_.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }

  int waitExit() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  const std::string& screen() const { return screen_; }

private:
  int master_ = -1;
  pid_t pid_ = -1;
  std::string screen_;
};

TEST_F(XfedctlTest, InteractiveShellCompletesAndKeepsHistory) {
  ctl({"New-CsXmppAllowedPartner fabrikam.org"});
  fs::path home = temp_.path() / "home";
  fs::create_directories(home);
  {
    Terminal terminal(dataDir(), home);
    ASSERT_TRUE(terminal.waitFor("xfed> ")) << terminal.screen();
    // Tab completes the command name, then the parameter name.
    terminal.type("Get-CsXmppAllowedP\t");
    ASSERT_TRUE(terminal.waitFor("Get-CsXmppAllowedPartner")) << terminal.screen();
    terminal.type(" -Fil\t");
    ASSERT_TRUE(terminal.waitFor("-Filter")) << terminal.screen();
    terminal.type(" *.org\r");
    ASSERT_TRUE(terminal.waitFor("Identity                   : fabrikam.org")) << terminal.screen();
    // A password typed on the command line is refused and kept out of the history.
    terminal.type("Enable-CsUser nobody@contoso.test -Password Hunter2Hunter2\r");
    ASSERT_TRUE(terminal.waitFor("never taken on the command line")) << terminal.screen();
    terminal.type("exit\r");
    EXPECT_EQ(terminal.waitExit(), 0);
  }
  // libedit's history file encodes spaces as \040.
  std::string history = fakes::readWholeFile(home / ".xfedctl_history");
  EXPECT_TRUE(contains(history, "Get-CsXmppAllowedPartner\\040") &&
              contains(history, "-Filter\\040") && contains(history, "*.org"))
      << history;
  EXPECT_FALSE(contains(history, "Hunter2")) << history;
}

}  // namespace
}  // namespace xfed
