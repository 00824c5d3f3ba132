// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/result.h"
#include "pki/lab_pki.h"
#include "store/config_store.h"

namespace xfed::app {

/**
 * The data directory of one xfed node: config store, state, lab PKI, admin socket, node config.
 * Several instances live side by side by giving each its own directory.
 */
struct DataDir {
  std::filesystem::path root;

  std::filesystem::path storePath() const { return root / "cms.sqlite"; }
  std::filesystem::path pkiDir() const { return root / "pki"; }
  std::filesystem::path nodeConfigPath() const { return root / "node.toml"; }
  std::filesystem::path logDir() const { return root / "log"; }
  /** The admin socket: root/admin.sock, or a short path under /tmp when that would exceed the
   *  108-byte sun_path limit (derived from a hash of root, so both sides agree). */
  std::filesystem::path adminSocketPath() const;
  pki::LabPkiFiles pkiFiles() const { return pki::labPkiFiles(pkiDir()); }
};

/** --data-dir if given, else $XFED_DATA_DIR, else /var/lib/xfed for root, else
 *  $XDG_STATE_HOME/xfed or ~/.local/state/xfed. */
std::filesystem::path resolveDataDir(const std::optional<std::string>& flag);

/**
 * Opens the data directory, creating it with the embedded defaults if new: the SQLite store
 * (one site, one front end pool and one edge pool on loopback, SIP domain contoso.test) and a
 * lab CA with certificates covering the topology's names. Whichever program (xfed or xfedctl)
 * opens a new directory first creates it. (`xfed serve` also writes a commented default
 * node.toml when there is none: the node file belongs to the daemon.)
 */
core::Result<DataDir> openDataDir(const std::filesystem::path& root);

/** Opens the store of an opened data directory. */
core::Result<store::ConfigStorePtr> openStore(const DataDir& dir);

}  // namespace xfed::app
