// SPDX-License-Identifier: Apache-2.0
#include "config/topology_json.h"

#include <nlohmann/json.hpp>

#include <set>

#include "core/errors.h"

namespace xfed::config {
namespace {

using json = nlohmann::ordered_json;  // keeps the documented key order on export

json machinesJson(const std::vector<Machine>& machines, bool edge) {
  json out = json::array();
  for (const Machine& m : machines) {
    json j{{"fqdn", m.fqdn}};
    if (edge) {
      j["internalAddress"] = m.internal_address;
      j["externalAddress"] = m.external_address;
    } else {
      j["address"] = m.internal_address;
    }
    out.push_back(std::move(j));
  }
  return out;
}

// A reader that checks types and rejects unknown keys, naming the path of each problem.
class Reader {
public:
  Reader(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  core::Result<void> expectObject() const {
    if (!object_.is_object()) {
      return bad(path_, "an object");
    }
    return core::ok();
  }

  template <class T>
  core::Result<void> read(const char* key, T& out, bool required) {
    seen_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) {
        return core::fail(core::Errc::InvalidArgument,
                          path_ + ": the key \"" + key + "\" is missing");
      }
      return core::ok();
    }
    if constexpr (std::is_same_v<T, std::string>) {
      if (!it->is_string()) {
        return bad(path_ + "." + key, "a string");
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!it->is_boolean()) {
        return bad(path_ + "." + key, "true or false");
      }
    } else if constexpr (std::is_same_v<T, std::uint16_t>) {
      if (!it->is_number_unsigned() || it->get<std::uint64_t>() > 65535) {
        return bad(path_ + "." + key, "a port number (1-65535)");
      }
    } else if constexpr (std::is_same_v<T, int>) {
      if (!it->is_number_integer()) {
        return bad(path_ + "." + key, "a whole number");
      }
    }
    out = it->get<T>();
    return core::ok();
  }

  core::Result<const json*> array(const char* key) {
    seen_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      static const json kEmpty = json::array();
      return &kEmpty;
    }
    if (!it->is_array()) {
      return bad(path_ + "." + key, "an array");
    }
    return &*it;
  }

  core::Result<void> rejectUnknown() const {
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (!seen_.contains(it.key())) {
        return core::fail(core::Errc::InvalidArgument,
                          path_ + ": unknown key \"" + it.key() + "\"");
      }
    }
    return core::ok();
  }

private:
  static core::Error bad(const std::string& where, const char* expected) {
    return core::fail(core::Errc::InvalidArgument, where + " must be " + expected);
  }

  const json& object_;
  std::string path_;
  std::set<std::string> seen_;
};

core::Result<std::vector<Machine>> readMachines(Reader& pool, const std::string& path, bool edge) {
  XFED_ASSIGN_OR_RETURN(const json* list, pool.array("machines"));
  std::vector<Machine> machines;
  for (std::size_t i = 0; i < list->size(); ++i) {
    Reader r((*list)[i], path + ".machines[" + std::to_string(i) + "]");
    XFED_TRY(r.expectObject());
    Machine m;
    XFED_TRY(r.read("fqdn", m.fqdn, true));
    if (edge) {
      XFED_TRY(r.read("internalAddress", m.internal_address, true));
      XFED_TRY(r.read("externalAddress", m.external_address, true));
    } else {
      XFED_TRY(r.read("address", m.internal_address, true));
    }
    XFED_TRY(r.rejectUnknown());
    machines.push_back(std::move(m));
  }
  return machines;
}

core::Result<Topology> parse(const json& doc) {
  Topology t;
  Reader top(doc, "topology");
  XFED_TRY(top.expectObject());
  XFED_TRY(top.read("version", t.version, false));
  XFED_TRY(top.read("publishedAt", t.published_at, false));

  XFED_ASSIGN_OR_RETURN(const json* domains, top.array("sipDomains"));
  for (std::size_t i = 0; i < domains->size(); ++i) {
    Reader r((*domains)[i], "sipDomains[" + std::to_string(i) + "]");
    XFED_TRY(r.expectObject());
    SipDomain d;
    XFED_TRY(r.read("name", d.name, true));
    XFED_TRY(r.read("default", d.is_default, false));
    XFED_TRY(r.rejectUnknown());
    t.sip_domains.push_back(std::move(d));
  }

  XFED_ASSIGN_OR_RETURN(const json* sites, top.array("sites"));
  for (std::size_t i = 0; i < sites->size(); ++i) {
    Reader r((*sites)[i], "sites[" + std::to_string(i) + "]");
    XFED_TRY(r.expectObject());
    Site s;
    std::string route;
    XFED_TRY(r.read("name", s.name, true));
    XFED_TRY(r.read("description", s.description, false));
    XFED_TRY(r.read("xmppFederationRoute", route, false));
    if (!route.empty()) {
      s.xmpp_federation_route = route;
    }
    XFED_TRY(r.rejectUnknown());
    t.sites.push_back(std::move(s));
  }

  XFED_ASSIGN_OR_RETURN(const json* fe_pools, top.array("frontEndPools"));
  for (std::size_t i = 0; i < fe_pools->size(); ++i) {
    std::string path = "frontEndPools[" + std::to_string(i) + "]";
    Reader r((*fe_pools)[i], path);
    XFED_TRY(r.expectObject());
    FrontEndPool p;
    XFED_TRY(r.read("fqdn", p.fqdn, true));
    XFED_TRY(r.read("site", p.site, true));
    XFED_TRY(r.read("sipPort", p.sip_port, false));
    XFED_TRY(r.read("sipTlsPort", p.sip_tls_port, false));
    XFED_ASSIGN_OR_RETURN(p.machines, readMachines(r, path, false));
    XFED_TRY(r.rejectUnknown());
    t.front_end_pools.push_back(std::move(p));
  }

  XFED_ASSIGN_OR_RETURN(const json* edge_pools, top.array("edgePools"));
  for (std::size_t i = 0; i < edge_pools->size(); ++i) {
    std::string path = "edgePools[" + std::to_string(i) + "]";
    Reader r((*edge_pools)[i], path);
    XFED_TRY(r.expectObject());
    EdgePool p;
    XFED_TRY(r.read("fqdn", p.fqdn, true));
    XFED_TRY(r.read("externalFqdn", p.external_fqdn, false));
    XFED_TRY(r.read("site", p.site, true));
    XFED_TRY(r.read("internalAddress", p.internal_address, true));
    XFED_TRY(r.read("externalAddress", p.external_address, true));
    XFED_TRY(r.read("xmppPort", p.xmpp_port, false));
    XFED_TRY(r.read("internalPort", p.internal_port, false));
    XFED_TRY(r.read("xmppFederationEnabled", p.xmpp_federation_enabled, false));
    XFED_ASSIGN_OR_RETURN(p.machines, readMachines(r, path, true));
    XFED_TRY(r.rejectUnknown());
    t.edge_pools.push_back(std::move(p));
  }
  XFED_TRY(top.rejectUnknown());
  return t;
}

std::string xmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      // Attribute values normalise raw whitespace to spaces: keep tabs and line breaks.
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string topologyToJson(const Topology& t) {
  json doc;
  doc["version"] = t.version;
  doc["publishedAt"] = t.published_at;
  doc["sipDomains"] = json::array();
  for (const SipDomain& d : t.sip_domains) {
    doc["sipDomains"].push_back({{"name", d.name}, {"default", d.is_default}});
  }
  doc["sites"] = json::array();
  for (const Site& s : t.sites) {
    json j{{"name", s.name}, {"description", s.description}};
    j["xmppFederationRoute"] = s.xmpp_federation_route ? json(*s.xmpp_federation_route) : json();
    doc["sites"].push_back(std::move(j));
  }
  doc["frontEndPools"] = json::array();
  for (const FrontEndPool& p : t.front_end_pools) {
    doc["frontEndPools"].push_back({{"fqdn", p.fqdn},
                                    {"site", p.site},
                                    {"sipPort", p.sip_port},
                                    {"sipTlsPort", p.sip_tls_port},
                                    {"machines", machinesJson(p.machines, false)}});
  }
  doc["edgePools"] = json::array();
  for (const EdgePool& p : t.edge_pools) {
    doc["edgePools"].push_back({{"fqdn", p.fqdn},
                                {"externalFqdn", p.external_fqdn},
                                {"site", p.site},
                                {"internalAddress", p.internal_address},
                                {"externalAddress", p.external_address},
                                {"xmppPort", p.xmpp_port},
                                {"internalPort", p.internal_port},
                                {"xmppFederationEnabled", p.xmpp_federation_enabled},
                                {"machines", machinesJson(p.machines, true)}});
  }
  return doc.dump(2);
}

core::Result<Topology> topologyFromJson(std::string_view text) {
  // nlohmann reports parse positions only through exceptions; they stay inside this function.
  try {
    return parse(json::parse(text));
  } catch (const json::parse_error& e) {
    return core::fail(core::Errc::InvalidArgument,
                      std::string("the topology file is not valid JSON: ") + e.what());
  } catch (const json::exception& e) {
    return core::fail(core::Errc::InvalidArgument, std::string("the topology file: ") + e.what());
  }
}

std::string topologyToXml(const Topology& t) {
  std::string x = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  x += "<Topology xmlns=\"urn:xfed:topology:1\" Version=\"" + std::to_string(t.version) +
       "\" PublishedAt=\"" + xmlEscape(t.published_at) + "\">\n  <SipDomains>\n";
  for (const SipDomain& d : t.sip_domains) {
    x += "    <SipDomain Name=\"" + xmlEscape(d.name) + "\" Default=\"" +
         (d.is_default ? "true" : "false") + "\"/>\n";
  }
  x += "  </SipDomains>\n  <Sites>\n";
  for (const Site& s : t.sites) {
    x += "    <Site Name=\"" + xmlEscape(s.name) + "\" Description=\"" + xmlEscape(s.description) +
         "\"" +
         (s.xmpp_federation_route
              ? " XmppFederationRoute=\"" + xmlEscape(*s.xmpp_federation_route) + "\""
              : std::string()) +
         "/>\n";
  }
  x += "  </Sites>\n  <FrontEndPools>\n";
  for (const FrontEndPool& p : t.front_end_pools) {
    x += "    <FrontEndPool Fqdn=\"" + xmlEscape(p.fqdn) + "\" Site=\"" + xmlEscape(p.site) +
         "\" SipPort=\"" + std::to_string(p.sip_port) + "\" SipTlsPort=\"" +
         std::to_string(p.sip_tls_port) + "\">\n";
    for (const Machine& m : p.machines) {
      x += "      <Machine Fqdn=\"" + xmlEscape(m.fqdn) + "\" Address=\"" +
           xmlEscape(m.internal_address) + "\"/>\n";
    }
    x += "    </FrontEndPool>\n";
  }
  x += "  </FrontEndPools>\n  <EdgePools>\n";
  for (const EdgePool& p : t.edge_pools) {
    x += "    <EdgePool Fqdn=\"" + xmlEscape(p.fqdn) + "\" ExternalFqdn=\"" +
         xmlEscape(p.external_fqdn) + "\" Site=\"" + xmlEscape(p.site) +
         "\" InternalAddress=\"" + xmlEscape(p.internal_address) + "\" ExternalAddress=\"" +
         xmlEscape(p.external_address) + "\" XmppPort=\"" + std::to_string(p.xmpp_port) +
         "\" InternalPort=\"" + std::to_string(p.internal_port) + "\" XmppFederationEnabled=\"" +
         (p.xmpp_federation_enabled ? "true" : "false") + "\">\n";
    for (const Machine& m : p.machines) {
      x += "      <Machine Fqdn=\"" + xmlEscape(m.fqdn) + "\" InternalAddress=\"" +
           xmlEscape(m.internal_address) + "\" ExternalAddress=\"" +
           xmlEscape(m.external_address) + "\"/>\n";
    }
    x += "    </EdgePool>\n";
  }
  x += "  </EdgePools>\n</Topology>\n";
  return x;
}

}  // namespace xfed::config
