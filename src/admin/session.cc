// SPDX-License-Identifier: Apache-2.0
#include "admin/session.h"

#include "admin/binder.h"
#include "admin/cli.h"
#include "admin/lexer.h"
#include "core/strings.h"

namespace xfed::admin {
namespace {

/** Get-Help / help, which needs the registry rather than the store. */
bool runHelp(const Registry& registry, const Pipeline& pipeline, std::ostream& out,
             std::ostream& err, int& failures) {
  if (pipeline.commands.size() != 1) {
    return false;
  }
  const CommandCall& call = pipeline.commands.front();
  if (!core::iequals(call.name, "Get-Help") && !core::iequals(call.name, "help")) {
    return false;
  }
  if (call.elements.empty()) {
    out << overviewHelp(registry);
    return true;
  }
  const std::string& topic = call.elements.back().value.text;
  if (const CommandDef* def = registry.find(topic)) {
    out << commandHelp(*def);
  } else {
    std::vector<std::string> near = registry.closest(topic);
    err << "Get-Help : no help for '" << topic << "'"
        << (near.empty() ? std::string() : "; did you mean: " + core::join(near, ", ") + "?")
        << "\n";
    ++failures;
  }
  return true;
}

}  // namespace

int runScript(const Registry& registry, std::string_view text, Context& context,
              const SessionOptions& options, std::ostream& out, std::ostream& err) {
  core::Result<std::vector<Pipeline>> script = parseScript(text);
  if (!script) {
    err << script.error().detail << "\n";
    return 1;
  }
  auto previous_warn = context.warn;
  context.warn = [&err](const std::string& message) { err << "WARNING: " << message << "\n"; };
  int failures = 0;
  for (const Pipeline& pipeline : *script) {
    if (runHelp(registry, pipeline, out, err, failures)) {
      continue;
    }
    PipelineOutcome outcome = runPipeline(registry, pipeline, context);
    if (!outcome.output.empty()) {
      out << (options.json ? formatJson(outcome.output) : formatList(outcome.output));
    }
    for (const std::string& error : outcome.errors) {
      err << error << "\n";
    }
    if (!outcome.ok()) {
      ++failures;
    }
  }
  out.flush();
  context.warn = previous_warn;
  return failures;
}

}  // namespace xfed::admin
