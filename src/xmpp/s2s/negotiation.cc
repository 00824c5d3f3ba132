// SPDX-License-Identifier: Apache-2.0
#include "xmpp/s2s/negotiation.h"

namespace xfed::xmpp::s2s {

std::string_view mechanismName(AuthMechanism mechanism) {
  switch (mechanism) {
    case AuthMechanism::SaslExternal:
      return "SASL EXTERNAL";
    case AuthMechanism::Dialback:
      return "dialback";
  }
  return "?";
}

}  // namespace xfed::xmpp::s2s
