// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string_view>

#include "config/model.h"
#include "core/result.h"

namespace xfed::config {

/** The namespace of the document that Get-CsTopology -AsXml prints (topologyToXml). */
inline constexpr std::string_view kTopologyXmlNamespace = "urn:xfed:topology:1";

/** The largest topology XML document topologyFromXml reads. */
inline constexpr std::size_t kMaxTopologyXmlBytes = 16 * 1024 * 1024;

/**
 * Parses the document that topologyToXml (Get-CsTopology -AsXml) writes, so that an exported
 * topology can be edited and republished: topologyFromXml(topologyToXml(t)) gives back t for
 * every t whose text fields are XML text without tab, CR or LF (XML attribute normalization
 * turns those into spaces, and topologyToXml writes them unescaped).
 *
 * The reader is strict, like topologyFromJson (and, like it, no validation: see
 * validateTopology):
 * - elements are in kTopologyXmlNamespace (any prefix); an unknown element or attribute, a
 *   repeated list element (<Sites> twice), text other than white space, a missing required
 *   attribute, a bad number (ports 0-65535) or a boolean other than "true"/"false" is an error
 *   that names the element path (Topology/FrontEndPools/FrontEndPool[2], 1-based like XPath);
 * - a DOCTYPE (and so any DTD or entity declaration) is refused, as are documents larger than
 *   kMaxTopologyXmlBytes and elements nested more deeply than the schema allows;
 * - omitted optional attributes and lists take the defaults of config/model.h; Version and
 *   PublishedAt are informational (the store assigns them on publish).
 * Errors are core::Errc::InvalidArgument; except for the size limit, the detail starts with
 * "line N" of the document. Throws only std::bad_alloc.
 */
core::Result<Topology> topologyFromXml(std::string_view text);

}  // namespace xfed::config
