// SPDX-License-Identifier: Apache-2.0
#include "admin/registry.h"

#include <algorithm>

#include "core/strings.h"

namespace xfed::admin {

std::string_view typeName(ParamType type) {
  switch (type) {
    case ParamType::String:
      return "String";
    case ParamType::Bool:
      return "Boolean";
    case ParamType::UInt32:
      return "UInt32";
    case ParamType::Enum:
      return "Enum";
    case ParamType::Switch:
      return "SwitchParameter";
    case ParamType::StringList:
      return "String[]";
    case ParamType::ListModifier:
      return "PSListModifier";
  }
  return "?";
}

const Value* Args::get(std::string_view name) const {
  auto it = values_.find(std::string(name));
  return it == values_.end() ? nullptr : &it->second;
}

bool Args::isNull(std::string_view name) const {
  const Value* v = get(name);
  return v != nullptr && std::holds_alternative<std::monostate>(*v);
}

std::optional<std::string> Args::string(std::string_view name) const {
  const Value* v = get(name);
  if (v != nullptr && std::holds_alternative<std::string>(*v)) {
    return std::get<std::string>(*v);
  }
  return std::nullopt;
}

std::optional<bool> Args::boolean(std::string_view name) const {
  const Value* v = get(name);
  if (v != nullptr && std::holds_alternative<bool>(*v)) {
    return std::get<bool>(*v);
  }
  return std::nullopt;
}

std::optional<std::int64_t> Args::integer(std::string_view name) const {
  const Value* v = get(name);
  if (v != nullptr && std::holds_alternative<std::int64_t>(*v)) {
    return std::get<std::int64_t>(*v);
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> Args::list(std::string_view name) const {
  const Value* v = get(name);
  if (v != nullptr && std::holds_alternative<std::vector<std::string>>(*v)) {
    return std::get<std::vector<std::string>>(*v);
  }
  return std::nullopt;
}

std::optional<ListModifier> Args::modifier(std::string_view name) const {
  const Value* v = get(name);
  if (v != nullptr && std::holds_alternative<ListModifier>(*v)) {
    return std::get<ListModifier>(*v);
  }
  return std::nullopt;
}

const ParamDef* CommandDef::param(std::string_view canonical) const {
  for (const ParamDef& p : params) {
    if (p.name == canonical) {
      return &p;
    }
  }
  return nullptr;
}

void Registry::add(CommandDef command) { commands_.push_back(std::move(command)); }

const CommandDef* Registry::find(std::string_view name) const {
  for (const CommandDef& c : commands_) {
    if (core::iequals(c.name, name)) {
      return &c;
    }
  }
  return nullptr;
}

const CommandDef* Registry::findCli(std::string_view noun, std::string_view verb) const {
  for (const CommandDef& c : commands_) {
    if (core::iequals(c.noun, noun) && core::iequals(c.verb, verb)) {
      return &c;
    }
  }
  return nullptr;
}

std::vector<std::string> Registry::closest(std::string_view name, std::size_t max) const {
  std::vector<std::pair<std::size_t, std::string>> scored;
  std::string_view noun = name.substr(name.find('-') == std::string_view::npos ? 0 : name.find('-') + 1);
  for (const CommandDef& c : commands_) {
    std::size_t distance = core::editDistance(name, c.name);
    std::string_view their_noun = std::string_view(c.name).substr(c.name.find('-') + 1);
    if (core::iequals(noun, their_noun)) {
      distance = std::min<std::size_t>(distance, 2);  // same noun, other verb: a likely intent
    }
    if (distance <= std::max<std::size_t>(3, name.size() / 4)) {
      scored.emplace_back(distance, c.name);
    }
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && out.size() < max; ++i) {
    out.push_back(scored[i].second);
  }
  return out;
}

const Registry& registry() {
  static const Registry instance = [] {
    Registry r;
    registerTopologyCommands(r);
    registerUserCommands(r);
    registerPolicyCommands(r);
    registerPartnerCommands(r);
    registerGatewayCommands(r);
    registerServiceCommands(r);
    return r;
  }();
  return instance;
}

}  // namespace xfed::admin
