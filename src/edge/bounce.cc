// SPDX-License-Identifier: Apache-2.0
#include "edge/bounce.h"

#include "xmpp/namespaces.h"

namespace xfed::edge {

xml::Element makeBounce(const xml::Element& stanza, xmpp::StanzaErrc condition,
                        std::string_view text) {
  xml::Element reply(stanza.ns(), stanza.name());
  if (auto id = stanza.attribute("id")) {
    reply.setAttribute("id", std::string(*id));
  }
  if (auto from = stanza.attribute("from")) {
    reply.setAttribute("to", std::string(*from));
  }
  if (auto to = stanza.attribute("to")) {
    reply.setAttribute("from", std::string(*to));
  }
  reply.setAttribute("type", "error");
  for (const xml::Node& node : stanza.nodes()) {
    if (node.isElement() && !node.element().is(stanza.ns(), "error")) {
      reply.addChild(xml::Element(node.element()));
    }
  }
  xml::Element error(stanza.ns(), "error");
  error.setAttribute("type",
                     std::string(xmpp::typeName(xmpp::defaultErrorType(condition))));
  error.addChild(xml::Element(xmpp::ns::kStanzaErrors, xmpp::conditionName(condition)));
  if (!text.empty()) {
    xml::Element t(xmpp::ns::kStanzaErrors, "text");
    t.setAttribute(xml::kXmlNamespace, "lang", "en");
    t.addText(text);
    error.addChild(std::move(t));
  }
  reply.addChild(std::move(error));
  return reply;
}

}  // namespace xfed::edge
