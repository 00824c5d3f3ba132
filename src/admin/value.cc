// SPDX-License-Identifier: Apache-2.0
#include "admin/value.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace xfed::admin {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string fieldText(const Field& field) {
  return std::visit(Overloaded{
                        [](std::monostate) { return std::string(); },
                        [](bool b) { return std::string(b ? "True" : "False"); },
                        [](std::int64_t n) { return std::to_string(n); },
                        [](const std::string& s) { return s; },
                        [](const std::vector<std::string>& list) {
                          std::string out = "{";
                          for (std::size_t i = 0; i < list.size(); ++i) {
                            out += (i > 0 ? ", " : "") + list[i];
                          }
                          return out + "}";
                        },
                    },
                    field);
}

nlohmann::ordered_json fieldJson(const Field& field) {
  return std::visit(Overloaded{
                        [](std::monostate) { return nlohmann::ordered_json(); },
                        [](bool b) { return nlohmann::ordered_json(b); },
                        [](std::int64_t n) { return nlohmann::ordered_json(n); },
                        [](const std::string& s) { return nlohmann::ordered_json(s); },
                        [](const std::vector<std::string>& list) { return nlohmann::ordered_json(list); },
                    },
                    field);
}

}  // namespace

std::string formatList(const std::vector<Record>& records) {
  std::string out;
  for (const Record& record : records) {
    out += "\n";
    if (record.text) {
      out += *record.text;
      if (!out.ends_with('\n')) {
        out += '\n';
      }
      continue;
    }
    std::size_t width = 0;
    for (const auto& [name, value] : record.fields) {
      width = std::max(width, name.size());
    }
    for (const auto& [name, value] : record.fields) {
      std::string text = fieldText(value);
      out += name + std::string(width - name.size(), ' ') + " :" + (text.empty() ? "" : " ") +
             text + "\n";
    }
  }
  if (!records.empty()) {
    out += "\n";
  }
  return out;
}

std::string formatJson(const std::vector<Record>& records) {
  if (records.size() == 1 && records.front().json) {
    return *records.front().json + "\n";
  }
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const Record& record : records) {
    if (record.json) {
      array.push_back(nlohmann::ordered_json::parse(*record.json));
      continue;
    }
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (const auto& [name, value] : record.fields) {
      object[name] = fieldJson(value);
    }
    array.push_back(std::move(object));
  }
  return array.dump(2) + "\n";
}

}  // namespace xfed::admin
