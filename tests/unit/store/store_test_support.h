// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the store tests: a temporary directory per test, direct SQLite access to
// inspect or tamper with a store file, and unwrapping of core::Result values.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include <gtest/gtest.h>

#include "core/result.h"

namespace xfed::store::testing {

/** A fresh directory under the system temp dir, removed with everything in it. */
class TempDir {
public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "xfed_store_test.XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    }
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) {
      std::filesystem::remove_all(path_, ec);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

/** The value of a Result, or a test failure naming the expression and a default value. */
template <class T>
T must(core::Result<T> result, const char* what) {
  if (!result) {
    ADD_FAILURE() << what << " failed: " << result.error().detail;
    return T{};
  }
  return std::move(result).value();
}
#define XFED_MUST(expr) ::xfed::store::testing::must((expr), #expr)

#define XFED_ASSERT_OK(expr)                                    \
  do {                                                          \
    auto&& xfed_ok_result_ = (expr);                            \
    ASSERT_TRUE(xfed_ok_result_) << #expr << ": "               \
                                 << xfed_ok_result_.error().detail; \
  } while (false)

#define XFED_EXPECT_OK(expr)                                    \
  do {                                                          \
    auto&& xfed_ok_result_ = (expr);                            \
    EXPECT_TRUE(xfed_ok_result_) << #expr << ": "               \
                                 << xfed_ok_result_.error().detail; \
  } while (false)

/** Runs sql on the file with a separate, raw SQLite connection; "" or the error message. */
inline std::string sqliteExec(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "cannot open";
    sqlite3_close(db);
    return message;
  }
  sqlite3_busy_timeout(db, 10'000);
  char* error = nullptr;
  std::string message;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    message = error != nullptr ? error : "error";
  }
  sqlite3_free(error);
  sqlite3_close(db);
  return message;
}

/** The first column of the first row of a query on the file, or -1 on error. */
inline std::int64_t sqliteInteger(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  std::int64_t out = -1;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 10'000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace xfed::store::testing
