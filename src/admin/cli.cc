// SPDX-License-Identifier: Apache-2.0
#include "admin/cli.h"

#include <algorithm>
#include <map>

#include "core/errors.h"
#include "core/strings.h"

namespace xfed::admin {
namespace {

core::Error invalid(std::string message) {
  return core::fail(core::Errc::InvalidArgument, std::move(message));
}

std::string optionName(const ParamDef& p) { return "--" + core::toKebab(p.name); }

RawValue literal(const std::string& text) {
  RawValue v;
  if (text.starts_with("$")) {
    v.kind = RawValue::Kind::Variable;  // --enable-keep-alive '$false'
    v.text = text.substr(1);
  } else {
    v.kind = RawValue::Kind::Quoted;  // argv is already split: no further quoting rules
    v.text = text;
  }
  return v;
}

RawValue listValue(const std::string& text) {
  RawValue v;
  v.kind = RawValue::Kind::Array;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item(core::trim(text.substr(start, comma - start)));
    if (!item.empty()) {
      v.items.push_back(literal(item));
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return v;
}

bool isBoolWord(const std::string& text) {
  return core::iequals(text, "true") || core::iequals(text, "false") ||
         core::iequals(text, "$true") || core::iequals(text, "$false") || text == "1" ||
         text == "0" || core::iequals(text, "yes") || core::iequals(text, "no");
}

std::string normaliseBool(const std::string& text) {
  return (core::iequals(text, "yes") || core::iequals(text, "true") ||
          core::iequals(text, "$true") || text == "1")
             ? "$true"
             : "$false";
}

std::string usageValue(const ParamDef& p, bool unix_style) {
  switch (p.type) {
    case ParamType::Bool:
      return unix_style ? "true|false" : "<Boolean>";
    case ParamType::Switch:
      return "";
    case ParamType::Enum: {
      std::vector<std::string> values;
      for (const std::string& v : p.values) {
        values.push_back(unix_style ? core::toKebab(v) : v);
      }
      return (unix_style ? "" : "<") + core::join(values, "|") + (unix_style ? "" : ">");
    }
    case ParamType::UInt32:
      return unix_style ? "N" : "<UInt32>";
    case ParamType::StringList:
      return unix_style ? "A,B,..." : "<String[]>";
    case ParamType::ListModifier:
      return unix_style ? "A,B,..." : "<PSListModifier>";
    case ParamType::String:
      return unix_style ? "TEXT" : "<String>";
  }
  return "";
}

}  // namespace

bool isCliNoun(const Registry& registry, std::string_view word) {
  return std::any_of(registry.all().begin(), registry.all().end(),
                     [&](const CommandDef& c) { return core::iequals(c.noun, word); });
}

core::Result<CommandCall> parseCli(const Registry& registry, const std::vector<std::string>& args) {
  if (args.empty()) {
    return invalid("no command given; run 'xfedctl --help'");
  }
  std::vector<std::string> verbs;
  for (const CommandDef& c : registry.all()) {
    if (core::iequals(c.noun, args[0])) {
      verbs.push_back(c.verb);
    }
  }
  if (args.size() < 2 || args[1].starts_with("-")) {
    return invalid("'xfedctl " + args[0] + "' needs a verb: " + core::join(verbs, ", "));
  }
  const CommandDef* def = registry.findCli(args[0], args[1]);
  if (def == nullptr) {
    return invalid("'" + args[1] + "' is not a verb of '" + args[0] + "'; use one of: " +
                   core::join(verbs, ", "));
  }
  CommandCall call;
  call.name = def->name;

  auto findOption = [&](std::string_view kebab) -> core::Result<const ParamDef*> {
    std::vector<const ParamDef*> hits;
    for (const ParamDef& p : def->params) {
      bool exact = core::iequals(core::toKebab(p.name), kebab);
      for (const std::string& alias : p.aliases) {
        exact = exact || core::iequals(core::toKebab(alias), kebab);
      }
      if (exact) {
        return &p;
      }
      if (core::istartsWith(core::toKebab(p.name), kebab)) {
        hits.push_back(&p);
      }
    }
    if (hits.size() == 1) {
      return hits.front();
    }
    std::vector<std::string> names;
    for (const ParamDef* p : hits.empty() ? std::vector<const ParamDef*>() : hits) {
      names.push_back(optionName(*p));
    }
    if (hits.empty()) {
      for (const ParamDef& p : def->params) {
        names.push_back(optionName(p));
      }
      return invalid("xfedctl " + def->noun + " " + def->verb + ": unknown option '--" +
                     std::string(kebab) + "'; the options are: " + core::join(names, " "));
    }
    return invalid("xfedctl " + def->noun + " " + def->verb + ": option '--" + std::string(kebab) +
                   "' is ambiguous: " + core::join(names, " "));
  };

  std::map<std::string, RawValue> modifiers;  // canonical name -> Hash being built
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--") || arg == "--") {
      if (arg == "--") {
        for (std::size_t k = i + 1; k < args.size(); ++k) {
          call.elements.push_back({Element::Kind::Value, "", false, literal(args[k]), 0, 0});
        }
        break;
      }
      call.elements.push_back({Element::Kind::Value, "", false, literal(arg), 0, 0});
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (std::size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    bool negated = false;
    std::string modifier_key;
    core::Result<const ParamDef*> found = findOption(name);
    if (!found && name.starts_with("no-")) {
      core::Result<const ParamDef*> positive = findOption(name.substr(3));
      if (positive && ((*positive)->type == ParamType::Bool ||
                       (*positive)->type == ParamType::Switch)) {
        found = positive;
        negated = true;
      }
    }
    for (const char* suffix : {"-add", "-remove"}) {
      if (!found && name.ends_with(suffix)) {
        core::Result<const ParamDef*> base = findOption(name.substr(0, name.size() - std::string_view(suffix).size()));
        if (base && (*base)->type == ParamType::ListModifier) {
          found = base;
          modifier_key = suffix[1] == 'a' ? "Add" : "Remove";
        }
      }
    }
    if (!found) {
      return found.error();
    }
    const ParamDef& p = **found;
    Element e{Element::Kind::Parameter, p.name, true, {}, 0, 0};
    if (p.type == ParamType::Bool || p.type == ParamType::Switch) {
      if (negated) {
        e.value = literal("$false");
      } else if (value) {
        e.value = literal(isBoolWord(*value) ? normaliseBool(*value) : *value);
      } else if (p.type == ParamType::Bool && i + 1 < args.size() && isBoolWord(args[i + 1])) {
        e.value = literal(normaliseBool(args[++i]));
      } else {
        e.value = literal("$true");
      }
      call.elements.push_back(std::move(e));
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return invalid("xfedctl " + def->noun + " " + def->verb + ": option " + optionName(p) +
                       " needs a value (" + usageValue(p, true) + ")");
      }
      value = args[++i];
    }
    if (!modifier_key.empty()) {
      RawValue& hash = modifiers[p.name];
      hash.kind = RawValue::Kind::Hash;
      hash.entries.push_back({modifier_key, listValue(*value)});
      continue;
    }
    e.value = (p.type == ParamType::StringList || p.type == ParamType::ListModifier) &&
                      *value != "$null"
                  ? listValue(*value)
                  : literal(*value);
    call.elements.push_back(std::move(e));
  }
  for (auto& [name, hash] : modifiers) {
    call.elements.push_back({Element::Kind::Parameter, name, true, std::move(hash), 0, 0});
  }
  return call;
}

std::string commandHelp(const CommandDef& c) {
  std::string out = c.name + " - " + c.summary + "\n\nCmdlet syntax:\n  " + c.name;
  std::string unix_line = "xfedctl " + c.noun + " " + c.verb;
  for (const ParamDef& p : c.params) {
    std::string value = usageValue(p, false);
    std::string piece = (p.position >= 0 ? "[-" + p.name + "]" : "-" + p.name) +
                        (value.empty() ? "" : " " + value);
    out += " " + (p.required ? piece : "[" + piece + "]");
    std::string unix_value = usageValue(p, true);
    std::string unix_piece = p.position >= 0 ? core::toUpper(core::toKebab(p.name))
                                             : optionName(p) + (unix_value.empty() ? "" : " " + unix_value);
    unix_line += " " + (p.required ? unix_piece : "[" + unix_piece + "]");
  }
  out += "\n\nUnix syntax:\n  " + unix_line + " [--json]\n\nParameters:\n";
  for (const ParamDef& p : c.params) {
    std::string names = "-" + p.name;
    for (const std::string& alias : p.aliases) {
      names += ", -" + alias;
    }
    names += "  (" + optionName(p) + ")";
    out += "  " + names + "\n      " + p.help;
    std::vector<std::string> notes;
    if (p.required) {
      notes.push_back("required");
    }
    if (p.position >= 0) {
      notes.push_back("position " + std::to_string(p.position));
    }
    if (p.from_pipeline) {
      notes.push_back("accepts pipeline input");
    }
    if (p.nullable) {
      notes.push_back("accepts $null");
    }
    if (!p.values.empty()) {
      notes.push_back("one of " + core::join(p.values, ", "));
    }
    if (!notes.empty()) {
      out += " [" + core::join(notes, "; ") + "]";
    }
    out += "\n";
  }
  if (!c.examples.empty()) {
    out += "\nExamples:\n";
    for (const std::string& e : c.examples) {
      out += "  " + e + "\n";
    }
  }
  return out;
}

std::string overviewHelp(const Registry& registry) {
  std::string out =
      "xfedctl - administer xfed, the open XMPP federation for SIP (Lync-style commands)\n\n"
      "Usage:\n"
      "  xfedctl [--data-dir DIR] [--json] '<cmdlet> [| <cmdlet>...]'   one-liner, cmdlet syntax\n"
      "  xfedctl [--data-dir DIR] [--json] -f SCRIPT                    run a script file\n"
      "  xfedctl [--data-dir DIR] [--json] NOUN VERB [ARGS] [--OPTION VALUE]...   Unix syntax\n"
      "  xfedctl [--data-dir DIR]                                        interactive shell\n"
      "  xfedctl help COMMAND | xfedctl NOUN VERB --help                 help for a command\n\n"
      "The data directory defaults to $XFED_DATA_DIR, then /var/lib/xfed (root) or\n"
      "~/.local/state/xfed. Single-quote one-liners so the shell leaves $true alone.\n\n"
      "Commands (cmdlet name / Unix form):\n";
  for (const CommandDef& c : registry.all()) {
    std::string left = "  " + c.name;
    std::string middle = c.noun + " " + c.verb;
    out += left + std::string(left.size() < 40 ? 40 - left.size() : 1, ' ') + middle +
           std::string(middle.size() < 22 ? 22 - middle.size() : 1, ' ') + c.summary + "\n";
  }
  return out;
}

}  // namespace xfed::admin
