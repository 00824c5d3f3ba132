// SPDX-License-Identifier: Apache-2.0
// Any bytes as a Get-CsTopology -AsXml document: parsing never crashes, and what parses
// round-trips through the exporter. topologyToXml writes tab, CR and LF unescaped, and XML
// attribute normalization reads them back as spaces, so the first round trip is exact only when
// no text field holds one of them; from then on the export is a fixed point.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/model.h"
#include "config/topology_json.h"
#include "config/topology_xml.h"
#include "config/validation.h"

namespace {

using xfed::config::Topology;

bool hasWhiteSpaceControl(std::string_view text) {
  return text.find_first_of("\t\r\n") != std::string_view::npos;
}

/** Whether a text field of the topology holds a character that XML normalizes to a space. */
bool hasNormalizedText(const Topology& t) {
  bool found = hasWhiteSpaceControl(t.published_at);
  for (const auto& d : t.sip_domains) {
    found = found || hasWhiteSpaceControl(d.name);
  }
  for (const auto& s : t.sites) {
    found = found || hasWhiteSpaceControl(s.name) || hasWhiteSpaceControl(s.description) ||
            (s.xmpp_federation_route && hasWhiteSpaceControl(*s.xmpp_federation_route));
  }
  auto machines = [&](const auto& list) {
    for (const auto& m : list) {
      found = found || hasWhiteSpaceControl(m.fqdn) || hasWhiteSpaceControl(m.internal_address) ||
              hasWhiteSpaceControl(m.external_address);
    }
  };
  for (const auto& p : t.front_end_pools) {
    found = found || hasWhiteSpaceControl(p.fqdn) || hasWhiteSpaceControl(p.site);
    machines(p.machines);
  }
  for (const auto& p : t.edge_pools) {
    found = found || hasWhiteSpaceControl(p.fqdn) || hasWhiteSpaceControl(p.external_fqdn) ||
            hasWhiteSpaceControl(p.site) || hasWhiteSpaceControl(p.internal_address) ||
            hasWhiteSpaceControl(p.external_address);
    machines(p.machines);
  }
  return found;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto topology = xfed::config::topologyFromXml(text);
  if (!topology) {
    return 0;
  }
  (void)xfed::config::topologyProblems(*topology);
  (void)xfed::config::topologyToJson(*topology);

  std::string exported = xfed::config::topologyToXml(*topology);
  auto again = xfed::config::topologyFromXml(exported);
  if (!again) {
    std::abort();  // the exporter wrote something the parser refuses
  }
  std::string reexported = xfed::config::topologyToXml(*again);
  if (!hasNormalizedText(*topology) && reexported != exported) {
    std::abort();  // the round trip lost or changed a field
  }
  auto third = xfed::config::topologyFromXml(reexported);
  if (!third || xfed::config::topologyToXml(*third) != reexported) {
    std::abort();  // after one normalization the export must be a fixed point
  }
  return 0;
}
