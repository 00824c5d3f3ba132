// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "admin/registry.h"
#include "config/model.h"

// Users as the other command files see them (policy grants, effective policy).
namespace xfed::admin::commands {

/** The one user an Identity names (SIP address, with or without sip:, or display name). */
core::Result<config::User> resolveUser(Context& context, const std::string& identity);

/** Get-CsUser's output object; its identity is the SIP address. */
Record userRecord(const config::User& user);

}  // namespace xfed::admin::commands
