// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xfed::admin {

/** @{Add=...; Remove=...} or a plain list (Replace) for a multi-valued property (PSListModifier). */
struct ListModifier {
  std::optional<std::vector<std::string>> replace;  // a plain value or $null (= empty)
  std::vector<std::string> add;
  std::vector<std::string> remove;
};

/** A parameter value after binding and type conversion. monostate is $null. */
using Value =
    std::variant<std::monostate, bool, std::int64_t, std::string, std::vector<std::string>,
                 ListModifier>;

/** A property of an output object. monostate prints as empty. */
using Field = std::variant<std::monostate, bool, std::int64_t, std::string, std::vector<std::string>>;

/** One output object, printed as PowerShell's list view or as JSON. */
struct Record {
  std::string type;      // e.g. "XmppAllowedPartner"
  std::string identity;  // what a later pipeline stage binds as -Identity
  std::vector<std::pair<std::string, Field>> fields;
  std::optional<std::string> json;  // when set, --json prints this document instead of fields
  std::optional<std::string> text;  // when set, the list view prints this text instead

  Record& add(std::string name, Field value) {
    fields.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

/** "Identity : FedPic" lines, names padded to the longest, one blank line between objects. */
std::string formatList(const std::vector<Record>& records);
/** A JSON array of objects (or the record's own document when it has one and is alone). */
std::string formatJson(const std::vector<Record>& records);

}  // namespace xfed::admin
