// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "admin/lexer.h"
#include "admin/registry.h"

// The conventional Unix CLI over the same registry:
//   xfedctl partner new gmail.com --tls-negotiation not-supported --enable-keep-alive false
namespace xfed::admin {

/** Whether word is the noun of some command ("partner", "policy", ...). */
bool isCliNoun(const Registry& registry, std::string_view word);

/**
 * Turns noun, verb and options into the CommandCall the cmdlet binder takes, so both syntaxes
 * share one binding and one set of messages. Options: --kebab-name VALUE, --kebab-name=VALUE,
 * --no-kebab-name (Boolean false), a Boolean or switch alone (true), lists as a,b,c, and for
 * list modifiers --name-add a,b / --name-remove c.
 */
core::Result<CommandCall> parseCli(const Registry& registry, const std::vector<std::string>& args);

/** Help for one command, generated from its definition: both syntaxes, parameters, examples. */
std::string commandHelp(const CommandDef& command);
/** The list of commands, by noun. */
std::string overviewHelp(const Registry& registry);

}  // namespace xfed::admin
