// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/value.h"
#include "core/result.h"
#include "store/config_store.h"

// The admin command registry: each cmdlet is defined once (name, parameters, handler) and is
// reachable from the cmdlet syntax (admin/binder.h), the Unix CLI (admin/cli.h) and tests.
namespace xfed::admin {

enum class ParamType {
  String,
  Bool,          // $true / $false
  UInt32,
  Enum,          // one of ParamDef::values
  Switch,        // present = true; -Force:$false
  StringList,    // a,b,c
  ListModifier,  // @{Add=...; Remove=...}, a plain list, or $null
};

std::string_view typeName(ParamType type);  // "Boolean", "String", ... as PowerShell says

struct ParamDef {
  ParamDef() = default;
  ParamDef(std::string name_in, ParamType type_in, std::string help_in)
      : name(std::move(name_in)), type(type_in), help(std::move(help_in)) {}

  std::string name;                  // canonical PascalCase name
  ParamType type = ParamType::String;
  std::string help;
  std::vector<std::string> aliases;  // e.g. XmppExternalFederationRoute
  std::vector<std::string> values;   // Enum values
  bool required = false;
  int position = -1;                 // positional index, -1 if named only
  bool from_pipeline = false;        // bound from each pipeline input object's Identity
  bool nullable = false;             // accepts $null
  std::string example;               // a realistic value, for messages ("FedPic")
};

/** Bound arguments by canonical parameter name. */
class Args {
public:
  bool has(std::string_view name) const { return values_.contains(std::string(name)); }
  bool isNull(std::string_view name) const;
  const Value* get(std::string_view name) const;
  std::optional<std::string> string(std::string_view name) const;
  std::optional<bool> boolean(std::string_view name) const;
  std::optional<std::int64_t> integer(std::string_view name) const;
  bool flag(std::string_view name) const { return boolean(name).value_or(false); }
  std::optional<std::vector<std::string>> list(std::string_view name) const;
  std::optional<ListModifier> modifier(std::string_view name) const;

  void set(std::string name, Value value) { values_[std::move(name)] = std::move(value); }
  const std::map<std::string, Value>& all() const { return values_; }

private:
  std::map<std::string, Value> values_;
};

/** How a command gets a password: never from the command line. */
enum class PasswordSource { File, Stdin, Prompt };

/** What a command may use. Built by xfedctl (or a test) for one invocation. */
struct Context {
  store::ConfigStore& store;
  std::filesystem::path data_dir;
  std::filesystem::path admin_socket;
  std::filesystem::path bin_dir;  // where the xfed binary lives (Start-CsWindowsService)
  /** Warnings printed as "WARNING: ..." and kept going. */
  std::function<void(const std::string&)> warn = [](const std::string&) {};
  /** Reads a password; file_path is set for PasswordSource::File. */
  std::function<core::Result<std::string>(PasswordSource source, const std::string& file_path)>
      read_password = nullptr;
  bool changed = false;  // set by handlers that committed a change (xfedctl then asks for reload)
};

using Handler = std::function<core::Result<std::vector<Record>>(Context&, const Args&)>;

struct CommandDef {
  CommandDef() = default;
  CommandDef(std::string name_in, std::string noun_in, std::string verb_in, std::string summary_in)
      : name(std::move(name_in)),
        noun(std::move(noun_in)),
        verb(std::move(verb_in)),
        summary(std::move(summary_in)) {}

  std::string name;  // "New-CsXmppAllowedPartner"
  std::string noun;  // Unix CLI: "partner"
  std::string verb;  // Unix CLI: "new"
  std::string summary;
  std::vector<ParamDef> params;
  Handler handler;
  bool writes = false;  // runs inside a store write transaction
  std::vector<std::string> examples;

  const ParamDef* param(std::string_view canonical) const;
};

class Registry {
public:
  void add(CommandDef command);
  const CommandDef* find(std::string_view name) const;  // case-insensitive
  const CommandDef* findCli(std::string_view noun, std::string_view verb) const;
  /** Up to max names closest to name (by edit distance and shared noun). */
  std::vector<std::string> closest(std::string_view name, std::size_t max = 3) const;
  const std::vector<CommandDef>& all() const { return commands_; }

private:
  std::vector<CommandDef> commands_;
};

/** Every admin command; built once. */
const Registry& registry();

// Each file under admin/commands/ registers its commands.
void registerTopologyCommands(Registry& registry);
void registerUserCommands(Registry& registry);
void registerPolicyCommands(Registry& registry);
void registerPartnerCommands(Registry& registry);
void registerGatewayCommands(Registry& registry);
void registerServiceCommands(Registry& registry);

}  // namespace xfed::admin
