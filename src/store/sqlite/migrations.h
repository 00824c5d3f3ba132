// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <string_view>

namespace xfed::store {

/** A numbered schema migration; migration N brings PRAGMA user_version from N-1 to N. */
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/** All migrations, in order. Append only: never edit a migration that has shipped. */
std::span<const Migration> migrations();

}  // namespace xfed::store
