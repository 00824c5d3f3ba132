// SPDX-License-Identifier: Apache-2.0
// Several PROCESSES on one store or one data directory at once, as xfed and xfedctl are: no
// write is lost, a new store or data directory is created exactly once.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "app/data_dir.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_config_store.h"
#include "store_test_support.h"

namespace xfed::store {
namespace {

namespace fs = std::filesystem;
using testing::sqliteInteger;
using testing::TempDir;

constexpr auto kDeadline = std::chrono::seconds(60);
constexpr int kUsersPerProcess = 200;

/**
 * Children block on it until the parent releases them all at once, so they really start
 * together (the open of a new store races with the other's).
 */
class StartLine {
public:
  StartLine() {
    if (::pipe(fds_) != 0) {
      fds_[0] = fds_[1] = -1;
    }
  }
  ~StartLine() {
    closeEnd(0);
    closeEnd(1);
  }
  bool ok() const { return fds_[0] >= 0; }

  /** In a child: waits until the parent calls release(). */
  void wait() {
    closeEnd(1);
    char byte;
    while (::read(fds_[0], &byte, 1) < 0 && errno == EINTR) {
    }
    closeEnd(0);
  }
  /** In the parent: lets every waiting child go (they see end of file). */
  void release() { closeEnd(1); }

private:
  void closeEnd(int end) {
    if (fds_[end] >= 0) {
      ::close(fds_[end]);
      fds_[end] = -1;
    }
  }
  int fds_[2];
};

/** Forks a child that waits at the start line, runs body and exits with its result. */
pid_t spawn(StartLine& start, const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    start.wait();
    int code = 99;
    try {
      code = body();
    } catch (...) {
      std::fprintf(stderr, "child %d: exception\n", static_cast<int>(::getpid()));
    }
    std::fflush(nullptr);
    ::_exit(code);  // no gtest or static destructors in the child
  }
  return pid;
}

/**
 * Waits for every child until the deadline, then kills the ones still running (by pid).
 * Returns each child's exit code, or -1 for one that was killed or did not exit normally.
 */
std::vector<int> waitAll(const std::vector<pid_t>& pids) {
  std::vector<int> codes(pids.size(), -1);
  std::vector<bool> done(pids.size(), false);
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  std::size_t remaining = pids.size();
  while (remaining > 0) {
    for (std::size_t i = 0; i < pids.size(); ++i) {
      if (done[i]) {
        continue;
      }
      int status = 0;
      pid_t r = ::waitpid(pids[i], &status, WNOHANG);
      if (r == pids[i] || (r < 0 && errno != EINTR)) {
        done[i] = true;
        --remaining;
        codes[i] = (r == pids[i] && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
      }
    }
    if (remaining == 0) {
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      for (std::size_t i = 0; i < pids.size(); ++i) {
        if (!done[i]) {
          ADD_FAILURE() << "child " << pids[i] << " still running after the deadline; killed";
          ::kill(pids[i], SIGKILL);
          ::waitpid(pids[i], nullptr, 0);
        }
      }
      break;
    }
    // Polling a child process: there is no clock to inject into another process.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return codes;
}

config::User userNumber(int process, int i) {
  config::User u;
  u.sip_address = "sip:p" + std::to_string(process) + "-u" + std::to_string(i) + "@contoso.test";
  u.display_name = "Process " + std::to_string(process) + " user " + std::to_string(i);
  u.registrar_pool = "fe.contoso.test";
  return u;
}

/** A child's body: opens its own store and inserts its users, one write() each. */
int insertUsersAsProcess(const fs::path& store_path, int process) {
  core::Result<ConfigStorePtr> store = openSqliteConfigStore(store_path);
  if (!store) {
    std::fprintf(stderr, "process %d: open failed: %s\n", process, store.error().detail.c_str());
    return 2;
  }
  ConfigStore& s = **store;
  for (int i = 0; i < kUsersPerProcess; ++i) {
    config::User u = userNumber(process, i);
    core::Result<void> r = s.write([&] { return s.insertUser(u); });
    if (!r) {
      std::fprintf(stderr, "process %d: write %d failed: %s\n", process, i, r.error().detail.c_str());
      return 3;
    }
  }
  return 0;
}

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/** Whether the PEM certificate at leaf is signed by the key of the PEM certificate at ca. */
bool signedBy(const fs::path& leaf, const fs::path& ca) {
  auto load = [](const fs::path& path) -> X509* {
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) {
      return nullptr;
    }
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    return cert;
  };
  std::unique_ptr<X509, decltype(&X509_free)> leaf_cert(load(leaf), X509_free);
  std::unique_ptr<X509, decltype(&X509_free)> ca_cert(load(ca), X509_free);
  if (!leaf_cert || !ca_cert) {
    return false;
  }
  EVP_PKEY* ca_key = X509_get0_pubkey(ca_cert.get());
  return ca_key != nullptr && X509_verify(leaf_cert.get(), ca_key) == 1;
}

// ----------------------------------------------------------------------------- the store

TEST(StoreConcurrency, TwoProcessesCreatingAndWritingOneNewStoreLoseNothing) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  fs::path path = dir.path() / "cms.sqlite";  // does not exist: both children race to create it
  StartLine start;
  ASSERT_TRUE(start.ok());
  std::vector<pid_t> pids;
  for (int process = 0; process < 2; ++process) {
    pid_t pid = spawn(start, [&, process] { return insertUsersAsProcess(path, process); });
    ASSERT_GT(pid, 0) << "fork failed";
    pids.push_back(pid);
  }
  start.release();
  std::vector<int> codes = waitAll(pids);
  EXPECT_THAT(codes, ::testing::Each(0)) << "2: open failed, 3: a write failed (see stderr)";

  ConfigStorePtr store = XFED_MUST(openSqliteConfigStore(path));
  ASSERT_NE(store, nullptr);
  std::vector<config::User> users = XFED_MUST(store->listUsers({}));
  EXPECT_EQ(users.size(), 2u * kUsersPerProcess);
  std::set<std::string> expected;
  for (int process = 0; process < 2; ++process) {
    for (int i = 0; i < kUsersPerProcess; ++i) {
      expected.insert(userNumber(process, i).sip_address);
    }
  }
  std::set<std::string> actual;
  for (const config::User& u : users) {
    actual.insert(u.sip_address);
  }
  EXPECT_EQ(actual, expected);
  EXPECT_EQ(XFED_MUST(store->schemaVersion()), static_cast<int>(migrations().size()));
  EXPECT_EQ(sqliteInteger(path, "SELECT count(*) FROM topology_versions"), 1);
  EXPECT_EQ(XFED_MUST(store->topology()).version, 1);
  EXPECT_THAT(XFED_MUST(store->policies()), ::testing::SizeIs(1));
  EXPECT_EQ(sqliteInteger(path, "SELECT count(*) FROM xmpp_gateway_configuration"), 1);
  // Every committed insert moved the data version.
  EXPECT_GE(XFED_MUST(store->dataVersion()), 2 * kUsersPerProcess);
}

TEST(StoreConcurrency, ProcessesOpeningANewStoreAtOnceCreateItExactlyOnce) {
  // The creation race alone, many times: the window (every process switching a new, empty file
  // to WAL at once) is a few microseconds wide, so one round rarely hits it; 50 rounds of 4
  // processes (about 0.6 s) did every time when this test was written.
  constexpr int kRounds = 50;
  constexpr int kProcesses = 4;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    fs::path path = dir.path() / "cms.sqlite";
    StartLine start;
    ASSERT_TRUE(start.ok());
    std::vector<pid_t> pids;
    for (int process = 0; process < kProcesses; ++process) {
      pid_t pid = spawn(start, [&, process] {
        core::Result<ConfigStorePtr> store = openSqliteConfigStore(path);
        if (!store) {
          std::fprintf(stderr, "process %d: open failed: %s\n", process,
                       store.error().detail.c_str());
          return 2;
        }
        return 0;
      });
      ASSERT_GT(pid, 0) << "fork failed";
      pids.push_back(pid);
    }
    start.release();
    EXPECT_THAT(waitAll(pids), ::testing::Each(0));
    EXPECT_EQ(sqliteInteger(path, "PRAGMA user_version"), static_cast<int>(migrations().size()));
    EXPECT_EQ(sqliteInteger(path, "SELECT count(*) FROM topology_versions"), 1);
    EXPECT_EQ(sqliteInteger(path, "SELECT count(*) FROM external_access_policies"), 1);
  }
}

// ----------------------------------------------------------------------------- data directory

TEST(DataDirConcurrency, TwoProcessesOpeningOneNewDataDirectoryBothSucceedWithOneCa) {
  TempDir parent;
  ASSERT_FALSE(parent.path().empty());
  fs::path root = parent.path() / "data";  // brand new: neither directory nor store nor PKI
  StartLine start;
  ASSERT_TRUE(start.ok());
  std::vector<pid_t> pids;
  for (int process = 0; process < 2; ++process) {
    pid_t pid = spawn(start, [&, process] {
      core::Result<app::DataDir> dir = app::openDataDir(root);
      if (!dir) {
        std::fprintf(stderr, "process %d: openDataDir failed: %s\n", process,
                     dir.error().detail.c_str());
        return 2;
      }
      // The CA this process ended up with, as soon as its openDataDir() returned.
      std::string ca = readAll(dir->pkiFiles().ca_cert);
      std::ofstream out(parent.path() / ("ca-seen-by-" + std::to_string(process) + ".pem"),
                        std::ios::binary);
      out << ca;
      return ca.empty() || !out ? 3 : 0;
    });
    ASSERT_GT(pid, 0) << "fork failed";
    pids.push_back(pid);
  }
  start.release();
  ASSERT_THAT(waitAll(pids), ::testing::Each(0));

  app::DataDir dir{root};
  pki::LabPkiFiles files = dir.pkiFiles();
  for (const fs::path& f : {files.ca_cert, files.ca_key, files.edge_external_cert,
                            files.edge_external_key, files.internal_cert, files.internal_key,
                            files.front_end_cert, files.front_end_key}) {
    EXPECT_TRUE(fs::is_regular_file(f)) << f;
  }
  std::string ca = readAll(files.ca_cert);
  ASSERT_THAT(ca, ::testing::HasSubstr("-----BEGIN CERTIFICATE-----"));
  EXPECT_EQ(readAll(parent.path() / "ca-seen-by-0.pem"), ca);
  EXPECT_EQ(readAll(parent.path() / "ca-seen-by-1.pem"), ca);
  // Every leaf was issued by that one CA, not by a CA the other process made and lost.
  EXPECT_TRUE(signedBy(files.edge_external_cert, files.ca_cert));
  EXPECT_TRUE(signedBy(files.internal_cert, files.ca_cert));
  EXPECT_TRUE(signedBy(files.front_end_cert, files.ca_cert));

  EXPECT_EQ(sqliteInteger(dir.storePath(), "SELECT count(*) FROM topology_versions"), 1);
  EXPECT_EQ(sqliteInteger(dir.storePath(), "PRAGMA user_version"),
            static_cast<int>(migrations().size()));
}

}  // namespace
}  // namespace xfed::store
