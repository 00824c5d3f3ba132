// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "admin/registry.h"
#include "admin/session.h"

namespace xfed::xfedctl {

/**
 * The interactive shell: libedit line editing, history in ~/.xfedctl_history, tab completion
 * of command names and of the parameters of the command being typed. Returns 0 when left with exit, quit or Ctrl-D (errors are shown
 * as they happen).
 */
int runShell(const admin::Registry& registry, admin::Context& context,
             const admin::SessionOptions& options);

}  // namespace xfed::xfedctl
