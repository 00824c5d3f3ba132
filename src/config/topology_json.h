// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "config/model.h"
#include "core/result.h"

namespace xfed::config {

/**
 * The topology document: the schema Publish-CsTopology reads and Get-CsTopology --json prints,
 * so an exported topology can be edited and republished. Keys are camelCase; pools list their
 * member machines. "version" and "publishedAt" are informational (the store assigns them).
 */
std::string topologyToJson(const Topology& topology);

/** Parses a topology document. Errors name the key and what was expected (not validation:
 *  see validateTopology). Unknown keys are errors, so typos are caught. */
core::Result<Topology> topologyFromJson(std::string_view text);

/** Get-CsTopology -AsXml: the same content as XML. */
std::string topologyToXml(const Topology& topology);

}  // namespace xfed::config
