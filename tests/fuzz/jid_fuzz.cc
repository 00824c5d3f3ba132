// SPDX-License-Identifier: Apache-2.0
// Any bytes as a JID: parsing never crashes, and what parses is in normal form: its full form
// parses back to an equal Jid with the same hash, writing it again changes nothing, and its parts
// and bare form rebuild it.
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>

#include "xmpp/jid.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using xfed::xmpp::Jid;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto jid = Jid::parse(text);
  if (!jid) {
    if (jid.error().detail.empty() ||
        jid.error().code.category() != xfed::xmpp::jidErrorCategory()) {
      std::abort();  // every refusal names its part and says why
    }
    return 0;
  }
  if (jid->domain().empty()) {
    std::abort();  // a Jid always has a domain
  }

  std::string full = jid->full();
  auto again = Jid::parse(full);
  if (!again || !(*again == *jid) || std::hash<Jid>{}(*again) != std::hash<Jid>{}(*jid)) {
    std::abort();  // the full form does not parse back to the same JID
  }
  if (again->full() != full) {
    std::abort();  // full() is not idempotent
  }

  auto rebuilt = Jid::fromParts(jid->local(), jid->domain(), jid->resource());
  if (!rebuilt || !(*rebuilt == *jid)) {
    std::abort();  // the parts do not rebuild the JID
  }
  auto bare = Jid::parse(jid->bare());
  if (!bare || !(*bare == jid->bareJid()) || !bare->isBare()) {
    std::abort();  // the bare form is not a JID of its own
  }
  return 0;
}
