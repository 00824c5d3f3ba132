// SPDX-License-Identifier: Apache-2.0
#include "xml/element.h"

#include <algorithm>
#include <cstddef>

namespace xfed::xml {

std::optional<std::string_view> Element::attribute(std::string_view name) const {
  return attribute(std::string_view(), name);
}

std::optional<std::string_view> Element::attribute(std::string_view ns,
                                                   std::string_view name) const {
  for (const Attribute& a : attributes_) {
    if (a.name == name && a.ns == ns) {
      return std::string_view(a.value);
    }
  }
  return std::nullopt;
}

Element& Element::setAttribute(std::string_view name, std::string value) {
  return setAttribute(std::string_view(), name, std::move(value));
}

Element& Element::setAttribute(std::string_view ns, std::string_view name, std::string value) {
  for (Attribute& a : attributes_) {
    if (a.name == name && a.ns == ns) {
      a.value = std::move(value);
      return *this;
    }
  }
  attributes_.push_back(Attribute{std::string(ns), std::string(name), std::move(value)});
  return *this;
}

bool Element::removeAttribute(std::string_view ns, std::string_view name) {
  auto it = std::find_if(attributes_.begin(), attributes_.end(),
                         [&](const Attribute& a) { return a.name == name && a.ns == ns; });
  if (it == attributes_.end()) {
    return false;
  }
  attributes_.erase(it);
  return true;
}

const Element* Element::child(std::string_view ns, std::string_view name) const {
  for (const Node& node : children_) {
    const Element* e = node.asElement();
    if (e != nullptr && e->is(ns, name)) {
      return e;
    }
  }
  return nullptr;
}

Element* Element::child(std::string_view ns, std::string_view name) {
  return const_cast<Element*>(std::as_const(*this).child(ns, name));
}

std::vector<const Element*> Element::children(std::string_view ns, std::string_view name) const {
  std::vector<const Element*> found;
  for (const Node& node : children_) {
    const Element* e = node.asElement();
    if (e != nullptr && e->is(ns, name)) {
      found.push_back(e);
    }
  }
  return found;
}

const Element* Element::firstChildElement() const {
  for (const Node& node : children_) {
    if (const Element* e = node.asElement(); e != nullptr) {
      return e;
    }
  }
  return nullptr;
}

std::string Element::text() const {
  const std::string* single = nullptr;
  std::size_t count = 0;
  std::size_t total = 0;
  for (const Node& node : children_) {
    if (const std::string* t = node.asText(); t != nullptr) {
      single = t;
      ++count;
      total += t->size();
    }
  }
  if (count == 0) {
    return {};
  }
  if (count == 1) {
    return *single;
  }
  std::string joined;
  joined.reserve(total);
  for (const Node& node : children_) {
    if (const std::string* t = node.asText(); t != nullptr) {
      joined += *t;
    }
  }
  return joined;
}

std::optional<std::string> Element::childText(std::string_view ns, std::string_view name) const {
  const Element* c = child(ns, name);
  if (c == nullptr) {
    return std::nullopt;
  }
  return c->text();
}

Element& Element::addChild(Element&& child) {
  return children_.emplace_back(std::move(child)).element();
}

void Element::addText(std::string_view text) {
  if (text.empty()) {
    return;
  }
  if (!children_.empty()) {
    if (std::string* last = children_.back().asText(); last != nullptr) {
      last->append(text);
      return;
    }
  }
  children_.emplace_back(std::string(text));
}

void Element::clearChildren() { children_.clear(); }

bool Element::operator==(const Element& other) const {
  return name_ == other.name_ && ns_ == other.ns_ && attributes_ == other.attributes_ &&
         children_ == other.children_;
}

}  // namespace xfed::xml
