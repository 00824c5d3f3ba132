// SPDX-License-Identifier: Apache-2.0
#include "admin/binder.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include "core/errors.h"
#include "core/strings.h"

namespace xfed::admin {
namespace {

using core::Result;

core::Error invalid(const CommandDef* def, std::string_view command, std::string message) {
  std::string name = def != nullptr ? def->name : std::string(command);
  return core::fail(core::Errc::InvalidArgument, name + " : " + std::move(message));
}

std::string renderValue(const RawValue& v) {
  switch (v.kind) {
    case RawValue::Kind::Bare:
      return v.text;
    case RawValue::Kind::Quoted: {
      std::string out = "'";
      for (char c : v.text) {
        out += c == '\'' ? std::string("''") : std::string(1, c);
      }
      return out + "'";
    }
    case RawValue::Kind::Variable:
      return "$" + v.text;
    case RawValue::Kind::Array: {
      std::string out;
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        out += (i > 0 ? "," : "") + renderValue(v.items[i]);
      }
      return out;
    }
    case RawValue::Kind::Hash: {
      std::string out = "@{";
      for (std::size_t i = 0; i < v.entries.size(); ++i) {
        out += (i > 0 ? "; " : "") + v.entries[i].first + "=" + renderValue(v.entries[i].second);
      }
      return out + "}";
    }
    case RawValue::Kind::Placeholder:
      return v.text;
  }
  return v.text;
}

std::string describe(const RawValue& v) {
  return v.kind == RawValue::Kind::Quoted ? "'" + v.text + "'" : "'" + renderValue(v) + "'";
}

/** Parameters whose name or alias matches what was typed: exact first, then by prefix. */
std::vector<const ParamDef*> matchParam(const CommandDef& def, std::string_view typed) {
  for (const ParamDef& p : def.params) {
    if (core::iequals(p.name, typed)) {
      return {&p};
    }
    for (const std::string& alias : p.aliases) {
      if (core::iequals(alias, typed)) {
        return {&p};
      }
    }
  }
  std::vector<const ParamDef*> found;
  for (const ParamDef& p : def.params) {
    bool hit = core::istartsWith(p.name, typed);
    for (const std::string& alias : p.aliases) {
      hit = hit || core::istartsWith(alias, typed);
    }
    if (hit) {
      found.push_back(&p);
    }
  }
  return found;
}

std::string paramList(const CommandDef& def) {
  std::vector<std::string> names;
  for (const ParamDef& p : def.params) {
    names.push_back("-" + p.name);
  }
  return core::join(names, " ");
}

std::optional<bool> boolWord(const RawValue& v) {
  if (v.kind == RawValue::Kind::Variable || v.kind == RawValue::Kind::Bare) {
    if (core::iequals(v.text, "true") || v.text == "1") {
      return true;
    }
    if (core::iequals(v.text, "false") || v.text == "0") {
      return false;
    }
  }
  return std::nullopt;
}

bool isNullValue(const RawValue& v) {
  return v.kind == RawValue::Kind::Variable && core::iequals(v.text, "null");
}

Result<std::string> scalarText(const CommandDef& def, const ParamDef& p, const RawValue& v) {
  if (v.kind == RawValue::Kind::Bare || v.kind == RawValue::Kind::Quoted) {
    return v.text;
  }
  if (v.kind == RawValue::Kind::Variable) {
    return invalid(&def, "", "-" + p.name + " takes " + std::string(typeName(p.type)) +
                                  " but was given $" + v.text +
                                  "; variables other than $true, $false and $null are not "
                                  "supported, write the value itself");
  }
  return invalid(&def, "", "-" + p.name + " takes a single value but was given " + describe(v));
}

Result<std::vector<std::string>> listItems(const CommandDef& def, const ParamDef& p,
                                           const RawValue& v) {
  std::vector<std::string> items;
  if (v.kind == RawValue::Kind::Array) {
    for (const RawValue& item : v.items) {
      XFED_ASSIGN_OR_RETURN(std::string text, scalarText(def, p, item));
      items.push_back(std::move(text));
    }
    return items;
  }
  XFED_ASSIGN_OR_RETURN(std::string text, scalarText(def, p, v));
  items.push_back(std::move(text));
  return items;
}

Result<Value> convert(const CommandDef& def, const ParamDef& p, const RawValue& v) {
  if (isNullValue(v)) {
    if (p.nullable || p.type == ParamType::ListModifier || p.type == ParamType::StringList) {
      return Value(std::monostate{});
    }
    return invalid(&def, "", "-" + p.name + " cannot be $null; it takes " +
                                  std::string(typeName(p.type)));
  }
  switch (p.type) {
    case ParamType::String: {
      XFED_ASSIGN_OR_RETURN(std::string text, scalarText(def, p, v));
      return Value(std::move(text));
    }
    case ParamType::Bool:
    case ParamType::Switch: {
      if (std::optional<bool> b = boolWord(v)) {
        return Value(*b);
      }
      return invalid(&def, "", "cannot convert " + describe(v) + " to Boolean for -" + p.name +
                                   "; use $true or $false");
    }
    case ParamType::UInt32: {
      if (v.kind == RawValue::Kind::Bare || v.kind == RawValue::Kind::Quoted) {
        std::int64_t n = 0;
        const char* end = v.text.data() + v.text.size();
        auto [ptr, ec] = std::from_chars(v.text.data(), end, n);
        if (ec == std::errc() && ptr == end && n >= 0 &&
            n <= std::numeric_limits<std::uint32_t>::max()) {
          return Value(n);
        }
      }
      return invalid(&def, "", "cannot convert " + describe(v) + " to UInt32 for -" + p.name +
                                   "; use a whole number between 0 and 4294967295" +
                                   (p.example.empty() ? "" : ", e.g. " + p.example));
    }
    case ParamType::Enum: {
      if (v.kind == RawValue::Kind::Bare || v.kind == RawValue::Kind::Quoted) {
        for (const std::string& allowed : p.values) {
          if (core::iequals(allowed, v.text) || core::iequals(core::toKebab(allowed), v.text)) {
            return Value(allowed);
          }
        }
      }
      return invalid(&def, "", describe(v) + " is not a valid value for -" + p.name +
                                   "; use one of: " + core::join(p.values, ", "));
    }
    case ParamType::StringList: {
      XFED_ASSIGN_OR_RETURN(std::vector<std::string> items, listItems(def, p, v));
      return Value(std::move(items));
    }
    case ParamType::ListModifier: {
      ListModifier m;
      if (v.kind != RawValue::Kind::Hash) {
        XFED_ASSIGN_OR_RETURN(std::vector<std::string> items, listItems(def, p, v));
        m.replace = std::move(items);
        return Value(std::move(m));
      }
      for (const auto& [key, entry] : v.entries) {
        std::vector<std::string> items;
        if (!isNullValue(entry)) {
          XFED_ASSIGN_OR_RETURN(items, listItems(def, p, entry));
        }
        if (core::iequals(key, "Add")) {
          m.add.insert(m.add.end(), items.begin(), items.end());
        } else if (core::iequals(key, "Remove")) {
          m.remove.insert(m.remove.end(), items.begin(), items.end());
        } else if (core::iequals(key, "Replace")) {
          m.replace = std::move(items);
        } else {
          return invalid(&def, "", "-" + p.name + " got the key '" + key +
                                       "'; a list modifier takes Add, Remove or Replace, e.g. "
                                       "@{Add=\"a.example.com\"}");
        }
      }
      return Value(std::move(m));
    }
  }
  return invalid(&def, "", "unsupported parameter type");
}

/** Finds a placeholder anywhere in a value. */
const RawValue* findPlaceholder(const RawValue& v) {
  if (v.kind == RawValue::Kind::Placeholder) {
    return &v;
  }
  for (const RawValue& item : v.items) {
    if (const RawValue* p = findPlaceholder(item)) {
      return p;
    }
  }
  for (const auto& [key, entry] : v.entries) {
    if (const RawValue* p = findPlaceholder(entry)) {
      return p;
    }
  }
  return nullptr;
}

/** A bare word that names a parameter of def: written without its dash. */
const ParamDef* dashlessParam(const CommandDef& def, const Element& e) {
  if (e.kind != Element::Kind::Value || e.value.kind != RawValue::Kind::Bare ||
      e.value.text.size() < 4) {
    return nullptr;
  }
  std::vector<const ParamDef*> found = matchParam(def, e.value.text);
  return found.size() == 1 ? found.front() : nullptr;
}

/** The call with each dashless parameter word given its dash and each placeholder replaced. */
CommandCall corrected(const CommandDef& def, const CommandCall& call) {
  CommandCall fixed = call;
  fixed.name = def.name;
  const ParamDef* last_param = nullptr;
  for (Element& e : fixed.elements) {
    if (e.kind == Element::Kind::Parameter) {
      std::vector<const ParamDef*> found = matchParam(def, e.name);
      last_param = found.size() == 1 ? found.front() : nullptr;
      if (last_param != nullptr) {
        e.name = last_param->name;  // show the full name in the suggestion
      }
      if (e.has_attached && e.value.kind == RawValue::Kind::Placeholder && last_param) {
        e.value = RawValue{RawValue::Kind::Bare, last_param->example, {}, {}, 0, 0};
      }
      continue;
    }
    if (const ParamDef* p = dashlessParam(def, e)) {
      e.kind = Element::Kind::Parameter;
      e.name = p->name;
      last_param = p;
      continue;
    }
    if (e.value.kind == RawValue::Kind::Placeholder) {
      std::string example = last_param != nullptr && !last_param->example.empty()
                                ? last_param->example
                                : "<value>";
      e.value = RawValue{RawValue::Kind::Bare, example, {}, {}, 0, 0};
    }
    last_param = nullptr;
  }
  return fixed;
}

}  // namespace

std::string renderCall(const CommandCall& call) {
  std::string out = call.name;
  for (const Element& e : call.elements) {
    out += " ";
    if (e.kind == Element::Kind::Parameter) {
      out += "-" + e.name;
      if (e.has_attached) {
        out += ":" + renderValue(e.value);
      }
    } else {
      out += renderValue(e.value);
    }
  }
  return out;
}

Result<BoundCommand> bindCommand(const Registry& registry, const CommandCall& call,
                                 bool has_pipeline_input) {
  const CommandDef* def = registry.find(call.name);
  if (def == nullptr) {
    std::vector<std::string> near = registry.closest(call.name);
    return invalid(nullptr, call.name,
                   "the term '" + call.name + "' is not recognized as an xfed admin command" +
                       (near.empty() ? std::string("; run 'xfedctl --help' for the list")
                                     : "; did you mean: " + core::join(near, ", ") + "?"));
  }

  // Placeholders copied from the documentation come first: they are the likeliest mistake.
  for (std::size_t i = 0; i < call.elements.size(); ++i) {
    const Element& e = call.elements[i];
    const RawValue* placeholder = findPlaceholder(e.value);
    if (placeholder == nullptr || (e.kind == Element::Kind::Parameter && !e.has_attached)) {
      continue;
    }
    std::string param;
    if (e.kind == Element::Kind::Parameter) {
      param = "-" + e.name;
    } else if (i > 0 && call.elements[i - 1].kind == Element::Kind::Parameter) {
      param = "-" + call.elements[i - 1].name;
    }
    return invalid(def, "",
                   (param.empty() ? std::string("an argument") : "the value of " + param) +
                       " is still the documentation's placeholder " + placeholder->text +
                       "; replace it with a real value, for example: " +
                       renderCall(corrected(*def, call)));
  }

  BoundCommand bound{def, {}};
  std::set<std::string> seen;
  std::vector<const Element*> positional;
  for (std::size_t i = 0; i < call.elements.size(); ++i) {
    const Element& e = call.elements[i];
    if (e.kind == Element::Kind::Value) {
      if (const ParamDef* p = dashlessParam(*def, e)) {
        return invalid(def, "",
                       "'" + e.value.text + "' looks like the parameter -" + p->name +
                           " written without its leading dash, so it would be taken as a value; "
                           "write it with the dash: " + renderCall(corrected(*def, call)));
      }
      positional.push_back(&e);
      continue;
    }
    std::vector<const ParamDef*> found = matchParam(*def, e.name);
    if (found.empty()) {
      return invalid(def, "", "a parameter cannot be found that matches parameter name '" +
                                  e.name + "'; the parameters of " + def->name + " are: " +
                                  paramList(*def));
    }
    if (found.size() > 1) {
      std::vector<std::string> names;
      for (const ParamDef* p : found) {
        names.push_back("-" + p->name);
      }
      return invalid(def, "", "parameter name '" + e.name +
                                  "' is ambiguous; possible matches: " + core::join(names, " "));
    }
    const ParamDef& p = *found.front();
    if (!seen.insert(p.name).second) {
      return invalid(def, "", "the parameter -" + p.name + " was given more than once");
    }
    if (p.type == ParamType::Switch) {
      if (e.has_attached) {
        XFED_ASSIGN_OR_RETURN(Value v, convert(*def, p, e.value));
        bound.args.set(p.name, std::move(v));
      } else {
        bound.args.set(p.name, true);
      }
      continue;
    }
    const RawValue* raw = nullptr;
    if (e.has_attached) {
      raw = &e.value;
    } else if (i + 1 < call.elements.size() &&
               call.elements[i + 1].kind == Element::Kind::Value) {
      raw = &call.elements[++i].value;
    } else {
      std::string hint = p.type == ParamType::Bool ? "$true or $false"
                         : !p.example.empty()      ? p.example
                         : !p.values.empty()       ? core::join(p.values, " | ")
                                                   : "a value";
      return invalid(def, "", "missing an argument for parameter -" + p.name + ": specify a " +
                                  std::string(typeName(p.type)) + ", e.g. -" + p.name + " " +
                                  hint);
    }
    XFED_ASSIGN_OR_RETURN(Value v, convert(*def, p, *raw));
    bound.args.set(p.name, std::move(v));
  }

  std::vector<const ParamDef*> slots;
  for (const ParamDef& p : def->params) {
    if (p.position >= 0 && !seen.contains(p.name)) {
      slots.push_back(&p);
    }
  }
  std::sort(slots.begin(), slots.end(),
            [](const ParamDef* a, const ParamDef* b) { return a->position < b->position; });
  for (std::size_t k = 0; k < positional.size(); ++k) {
    if (k >= slots.size()) {
      return invalid(def, "", "a positional parameter cannot be found that accepts argument " +
                                  describe(positional[k]->value) +
                                  "; name the parameter it is for (the parameters of " +
                                  def->name + " are: " + paramList(*def) + ")");
    }
    XFED_ASSIGN_OR_RETURN(Value v, convert(*def, *slots[k], positional[k]->value));
    bound.args.set(slots[k]->name, std::move(v));
    seen.insert(slots[k]->name);
  }

  for (const ParamDef& p : def->params) {
    if (p.required && !seen.contains(p.name) && !(p.from_pipeline && has_pipeline_input)) {
      return invalid(def, "", "missing the required parameter -" + p.name + " (" + p.help +
                                  ")" + (p.example.empty() ? "" : ", e.g. -" + p.name + " " +
                                                                      p.example));
    }
  }
  return bound;
}

PipelineOutcome runPipeline(const Registry& registry, const Pipeline& pipeline, Context& context) {
  PipelineOutcome outcome;
  std::vector<BoundCommand> stages;
  for (std::size_t i = 0; i < pipeline.commands.size(); ++i) {
    Result<BoundCommand> bound = bindCommand(registry, pipeline.commands[i], i > 0);
    if (!bound) {
      outcome.errors.push_back(bound.error().detail);
      return outcome;  // nothing has run yet
    }
    stages.push_back(std::move(bound).value());
  }
  for (std::size_t i = 1; i < stages.size(); ++i) {
    bool accepts = std::any_of(stages[i].def->params.begin(), stages[i].def->params.end(),
                               [](const ParamDef& p) { return p.from_pipeline; });
    if (!accepts) {
      outcome.errors.push_back(stages[i].def->name + " : does not take pipeline input; use it "
                               "on its own line");
      return outcome;
    }
  }
  bool writes = std::any_of(stages.begin(), stages.end(),
                            [](const BoundCommand& b) { return b.def->writes; });

  auto body = [&]() -> Result<void> {
    std::vector<Record> current;
    for (std::size_t i = 0; i < stages.size(); ++i) {
      const BoundCommand& stage = stages[i];
      std::vector<Record> next;
      auto runOne = [&](const Args& args, const std::string& item) {
        Result<std::vector<Record>> result = core::fail(core::Errc::Internal, "not run");
        auto attempt = [&]() -> Result<void> {
          result = stage.def->handler(context, args);
          if (!result) {
            return result.error();
          }
          return core::ok();
        };
        Result<void> applied = stage.def->writes ? context.store.write(attempt) : attempt();
        if (!applied) {
          const std::string& detail = result ? applied.error().detail : result.error().detail;
          outcome.errors.push_back(stage.def->name + " : " +
                                   (item.empty() ? "" : "'" + item + "': ") + detail);
          return;
        }
        if (stage.def->writes) {
          context.changed = true;
        }
        for (Record& r : *result) {
          next.push_back(std::move(r));
        }
      };
      if (i == 0) {
        runOne(stage.args, "");
      } else {
        const ParamDef* input = nullptr;
        for (const ParamDef& p : stage.def->params) {
          if (p.from_pipeline) {
            input = &p;
          }
        }
        for (const Record& item : current) {
          Args args = stage.args;
          args.set(input->name, item.identity);
          runOne(args, item.identity);
        }
      }
      current = std::move(next);
    }
    outcome.output = std::move(current);
    return core::ok();  // item errors are reported, the rest is kept
  };
  Result<void> result = writes ? context.store.write(body) : body();
  if (!result) {
    outcome.errors.push_back(result.error().detail);
  }
  return outcome;
}

}  // namespace xfed::admin
