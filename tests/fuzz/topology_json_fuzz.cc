// SPDX-License-Identifier: Apache-2.0
// Any bytes as a Publish-CsTopology file: parsing and validation never crash, and what parses
// round-trips through the exporter.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/topology_json.h"
#include "config/validation.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto topology = xfed::config::topologyFromJson(text);
  if (!topology) {
    return 0;
  }
  (void)xfed::config::topologyProblems(*topology);
  auto again = xfed::config::topologyFromJson(xfed::config::topologyToJson(*topology));
  if (!again) {
    std::abort();  // the exporter wrote something the parser refuses
  }
  (void)xfed::config::topologyToXml(*topology);
  return 0;
}
