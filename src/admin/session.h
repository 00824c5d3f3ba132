// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <ostream>
#include <string_view>

#include "admin/registry.h"

namespace xfed::admin {

struct SessionOptions {
  bool json = false;  // print --json instead of the list view
};

/**
 * Parses a whole script (a syntax error anywhere runs nothing), then runs each statement,
 * printing output to out and "WARNING: ..." / errors to err. A failing statement does not stop
 * the next. Returns the number of failed statements. `Get-Help <command>` prints help.
 */
int runScript(const Registry& registry, std::string_view text, Context& context,
              const SessionOptions& options, std::ostream& out, std::ostream& err);

}  // namespace xfed::admin
