// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>

#include "store/config_store.h"

namespace xfed::store {

/**
 * Opens (creating if needed) the SQLite store at path: WAL, a busy timeout, the numbered
 * migrations of store/sqlite/migrations.h applied each in its own transaction, and the embedded
 * defaults (config/defaults.h) written if the store is new — whichever process opens it first.
 */
core::Result<ConfigStorePtr> openSqliteConfigStore(const std::filesystem::path& path);

}  // namespace xfed::store
