// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "admin/lexer.h"
#include "admin/registry.h"

namespace xfed::admin {

struct BoundCommand {
  const CommandDef* def = nullptr;
  Args args;
};

/**
 * Binds a parsed command to its definition as PowerShell does: case-insensitive names,
 * unambiguous prefixes and aliases, -Name:value, switches, positional Identity, $true/$false/
 * $null, type conversion. has_pipeline_input: an earlier stage feeds this one, so a
 * from_pipeline parameter may be left out.
 * Errors (InvalidArgument) say what is wrong and what would be right: an unknown command with
 * the closest names, an unknown or ambiguous parameter with the candidates, a parameter written
 * without its dash with the corrected command, a documentation placeholder, a wrong type, a
 * missing value or required parameter.
 */
core::Result<BoundCommand> bindCommand(const Registry& registry, const CommandCall& call,
                                       bool has_pipeline_input);

/** The outcome of one statement. */
struct PipelineOutcome {
  std::vector<Record> output;
  std::vector<std::string> errors;  // "Grant-CsExternalAccessPolicy : ...", one per failure
  bool ok() const { return errors.empty(); }
};

/**
 * Runs cmd | cmd | ...: binds every stage first (a binding error fails before anything
 * changes), then runs the first stage and feeds each output object's Identity to the next. An
 * error on one item is reported with the item and the other items are applied. A pipeline with
 * a writing stage runs in one store transaction, each item in its own savepoint.
 */
PipelineOutcome runPipeline(const Registry& registry, const Pipeline& pipeline, Context& context);

/** Renders a call back to cmdlet syntax (used for corrected-command suggestions). */
std::string renderCall(const CommandCall& call);

}  // namespace xfed::admin
