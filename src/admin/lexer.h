// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

// The cmdlet syntax admins type (a PowerShell subset), turned into a syntax tree with no
// knowledge of any command: binding names and types to parameters is admin/binder.h's job.
namespace xfed::admin {

/** One argument value as written. */
struct RawValue {
  enum class Kind {
    Bare,         // alice@contoso.test, FedPic, 42, EdgeServer:edge.contoso.test
    Quoted,       // 'text' or "text" (escapes resolved; no variable expansion)
    Variable,     // $true / $false / $null / $other: text holds the name without '$'
    Array,        // a,b,c  or  @("a","b"): items
    Hash,         // @{Add="a","b"; Remove="c"}: entries
    Placeholder,  // <name of policy ...> copied from documentation: text holds it, with <>
  };
  Kind kind = Kind::Bare;
  std::string text;
  std::vector<RawValue> items;
  struct Entry;                // Hash: first = key, second = value
  std::vector<Entry> entries;  // not std::pair: clang 14 + libstdc++ 12 reject it (C++20)
  std::size_t offset = 0;  // byte offset of the value in the source line
  std::size_t length = 0;  // bytes it spans in the source line
};

struct RawValue::Entry {
  std::string first;
  RawValue second;
};

/** A command-line element: a parameter token (-Name, -Name:value) or a value. */
struct Element {
  enum class Kind { Parameter, Value };
  Kind kind = Kind::Value;
  std::string name;              // Parameter: the name without the dash, as typed
  bool has_attached = false;     // Parameter: -Name:value form
  RawValue value;                // Value, or the attached value of -Name:value
  std::size_t offset = 0;
  std::size_t length = 0;
};

struct CommandCall {
  std::string name;  // as typed, e.g. "Get-CsUser"
  std::vector<Element> elements;
  std::size_t offset = 0;
};

/** cmd | cmd | cmd */
struct Pipeline {
  std::vector<CommandCall> commands;
  std::string source;  // the statement's text, for messages
};

/**
 * Parses a script: statements separated by newlines or ';', '#' comments to end of line, a
 * backtick at end of line continues it, '|' separates pipeline stages. Blank statements are
 * skipped. En/em dashes count as '-' and typographic quotes as quotes (text pasted from web
 * pages). Errors: core::Errc::InvalidArgument with a message that quotes the bad text and its
 * column, e.g. "unterminated string starting at column 12".
 */
core::Result<std::vector<Pipeline>> parseScript(std::string_view text);

}  // namespace xfed::admin
