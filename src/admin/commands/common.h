// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "admin/registry.h"
#include "core/errors.h"
#include "core/strings.h"

// Building blocks shared by the command definitions in admin/commands/.
namespace xfed::admin::commands {

inline ParamDef identityParam(std::string help, std::string example, bool required,
                              bool from_pipeline = false) {
  ParamDef p{"Identity", ParamType::String, std::move(help)};
  p.required = required;
  p.position = 0;
  p.from_pipeline = from_pipeline;
  p.example = std::move(example);
  return p;
}

inline ParamDef boolParam(std::string name, std::string help) {
  ParamDef p{std::move(name), ParamType::Bool, std::move(help)};
  p.example = "$true";
  return p;
}

inline ParamDef stringParam(std::string name, std::string help, std::string example = {}) {
  ParamDef p{std::move(name), ParamType::String, std::move(help)};
  p.example = std::move(example);
  return p;
}

inline ParamDef switchParam(std::string name, std::string help) {
  return ParamDef{std::move(name), ParamType::Switch, std::move(help)};
}

inline ParamDef filterParam(std::string example) {
  ParamDef p{"Filter", ParamType::String, "wildcard filter (* and ?) over the identities"};
  p.example = std::move(example);
  return p;
}

/** -Force, -WhatIf and -Confirm, accepted by every command that changes something. */
inline void addChangeSwitches(std::vector<ParamDef>& params) {
  params.push_back(switchParam("Force", "do not ask for confirmation"));
  params.push_back(switchParam("WhatIf", "show what would change, and change nothing"));
  params.push_back(switchParam("Confirm", "accepted for compatibility; xfedctl never prompts"));
}

inline core::Error invalidArgument(std::string message) {
  return core::fail(core::Errc::InvalidArgument, std::move(message));
}

inline core::Error notFound(std::string message) {
  return core::fail(core::Errc::NotFound, std::move(message));
}

/** The record -WhatIf prints instead of changing anything. */
inline std::vector<Record> whatIf(const std::string& operation, const std::string& target) {
  Record r;
  r.text = "What if: Performing operation \"" + operation + "\" on Target \"" + target + "\".";
  return {r};
}

/** -Identity with a wildcard is refused: PowerShell's Get-Cs* take wildcards in -Filter only. */
inline core::Result<void> rejectWildcardIdentity(const Args& args) {
  if (auto identity = args.string("Identity"); identity && core::hasWildcard(*identity)) {
    return invalidArgument("-Identity does not take wildcards; use -Filter '" + *identity + "'");
  }
  return core::ok();
}

}  // namespace xfed::admin::commands
