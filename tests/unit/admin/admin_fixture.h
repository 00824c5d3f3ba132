// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "admin/registry.h"
#include "admin/session.h"
#include "app/data_dir.h"
#include "fakes/temp_dir.h"

namespace xfed::admin {

/** A fresh data directory with the embedded defaults, and a way to run cmdlet text on it. */
class AdminTest : public testing::Test {
protected:
  void SetUp() override {
    auto dir = app::openDataDir(temp_.path() / "data");
    ASSERT_TRUE(dir) << dir.error().detail;
    dir_ = *dir;
    auto store = app::openStore(dir_);
    ASSERT_TRUE(store) << store.error().detail;
    store_ = std::move(*store);
    context_ = std::make_unique<Context>(Context{.store = *store_,
                                                 .data_dir = dir_.root,
                                                 .admin_socket = dir_.adminSocketPath(),
                                                 .bin_dir = XFED_BIN_DIR});
    context_->read_password = [this](PasswordSource source, const std::string& file) {
      last_password_source_ = source;
      last_password_file_ = file;
      return core::Result<std::string>(password_);
    };
  }

  /** Runs text; returns the number of failed statements; out_/err_ hold what it printed. */
  int run(std::string_view text, bool json = false) {
    out_.str("");
    err_.str("");
    return runScript(registry(), text, *context_, SessionOptions{json}, out_, err_);
  }

  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }
  store::ConfigStore& store() { return *store_; }

  fakes::TempDir temp_;
  app::DataDir dir_;
  store::ConfigStorePtr store_;
  std::unique_ptr<Context> context_;
  std::ostringstream out_, err_;
  std::string password_ = "correct horse battery";
  std::optional<PasswordSource> last_password_source_;
  std::string last_password_file_;
};

}  // namespace xfed::admin
