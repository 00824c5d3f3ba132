// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

#include "xml/element.h"
#include "xmpp/errors.h"

namespace xfed::edge {

/**
 * The error reply to a stanza that could not be delivered (RFC 6120 §8.3): same element and id,
 * from and to swapped, type='error', the original payload kept, and an <error/> child with the
 * condition, its default type, and a text for the user. Pure.
 */
xml::Element makeBounce(const xml::Element& stanza, xmpp::StanzaErrc condition,
                        std::string_view text);

}  // namespace xfed::edge
