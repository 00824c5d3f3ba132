// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/model.h"

namespace xfed::policy {

/**
 * A user's effective external access policy: the per-user (tag) policy granted to the user, else
 * the policy of the site that hosts the user's registrar pool, else global (spec §1.4:
 * user > site > global; the winning policy applies whole, as in Lync).
 */
struct EffectivePolicy {
  config::ExternalAccessPolicy policy;  // the values that apply
  std::string source;                   // "Tag:FedPic", "Site:Site1" or "Global"
  std::string reason;                   // why that policy won, in words
  std::optional<std::string> site;      // the user's site, when known
};

/** Pure: decides from the given topology and policies; no I/O. */
EffectivePolicy effectivePolicy(const config::User& user, const config::Topology& topology,
                                const std::vector<config::ExternalAccessPolicy>& policies);

}  // namespace xfed::policy
