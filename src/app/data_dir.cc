// SPDX-License-Identifier: Apache-2.0
#include "app/data_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <system_error>

#include "core/errors.h"
#include "store/sqlite/sqlite_config_store.h"

namespace xfed::app {
namespace {

namespace fs = std::filesystem;

// sun_path holds 108 bytes including the terminator; keep a margin.
constexpr std::size_t kMaxSocketPath = 100;

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

void addUnique(std::vector<std::string>& names, const std::string& name) {
  if (name.empty()) {
    return;
  }
  for (const std::string& existing : names) {
    if (existing == name) {
      return;
    }
  }
  names.push_back(name);
}

/** The names each lab certificate must carry, from the topology (the seed's wizard, 15-17). */
pki::LabPkiRequest pkiRequestFor(const config::Topology& topology) {
  pki::LabPkiRequest request;
  for (const config::EdgePool& edge : topology.edge_pools) {
    addUnique(request.edge_external_names, edge.external_fqdn);
    addUnique(request.internal_names, edge.fqdn);
    for (const config::Machine& m : edge.machines) {
      addUnique(request.internal_names, m.fqdn);
    }
  }
  for (const config::SipDomain& domain : topology.sip_domains) {
    // Each SIP domain is also an XMPP domain of the organisation, and sip.<domain> is the
    // Access Edge name the wizard adds.
    addUnique(request.edge_external_names, domain.name);
    addUnique(request.edge_external_names, "sip." + domain.name);
    addUnique(request.front_end_names, domain.name);
  }
  for (const config::FrontEndPool& fe : topology.front_end_pools) {
    addUnique(request.front_end_names, fe.fqdn);
    addUnique(request.internal_names, fe.fqdn);
    for (const config::Machine& m : fe.machines) {
      addUnique(request.front_end_names, m.fqdn);
      addUnique(request.internal_names, m.fqdn);
    }
  }
  return request;
}

}  // namespace

fs::path DataDir::adminSocketPath() const {
  fs::path inside = root / "admin.sock";
  if (inside.string().size() <= kMaxSocketPath) {
    return inside;
  }
  char name[64];
  std::snprintf(name, sizeof name, "xfed-%u/%016llx.sock", static_cast<unsigned>(getuid()),
                static_cast<unsigned long long>(fnv1a(root.string())));
  return fs::temp_directory_path() / name;
}

fs::path resolveDataDir(const std::optional<std::string>& flag) {
  if (flag && !flag->empty()) {
    return *flag;
  }
  if (const char* env = std::getenv("XFED_DATA_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  if (getuid() == 0) {
    return "/var/lib/xfed";
  }
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state != '\0') {
    return fs::path(state) / "xfed";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".local" / "state" / "xfed";
  }
  return "xfed-data";
}

core::Result<DataDir> openDataDir(const fs::path& root) {
  std::error_code ec;
  fs::path absolute = fs::absolute(root, ec);
  if (ec) {
    return core::fail(core::Errc::IoFailure, "data directory " + root.string() + ": " + ec.message());
  }
  DataDir dir{absolute.lexically_normal()};
  if (!fs::exists(dir.root, ec)) {
    fs::create_directories(dir.root, ec);
    if (ec) {
      return core::fail(core::Errc::IoFailure,
                        "cannot create the data directory " + dir.root.string() + ": " + ec.message());
    }
    ::chmod(dir.root.c_str(), 0700);
  } else if (!fs::is_directory(dir.root, ec)) {
    return core::fail(core::Errc::IoFailure,
                      "the data directory " + dir.root.string() + " exists but is not a directory");
  }
  fs::path socket = dir.adminSocketPath();
  if (socket.parent_path() != dir.root) {
    fs::create_directories(socket.parent_path(), ec);
    ::chmod(socket.parent_path().c_str(), 0700);
  }
  XFED_ASSIGN_OR_RETURN(store::ConfigStorePtr store, openStore(dir));
  XFED_ASSIGN_OR_RETURN(config::Topology topology, store->topology());
  XFED_ASSIGN_OR_RETURN(pki::LabPkiFiles files, pki::ensureLabPki(dir.pkiDir(), pkiRequestFor(topology)));
  (void)files;
  return dir;
}

core::Result<store::ConfigStorePtr> openStore(const DataDir& dir) {
  return store::openSqliteConfigStore(dir.storePath());
}

}  // namespace xfed::app
