// SPDX-License-Identifier: Apache-2.0
// Get-/Set-CsXmppGatewayConfiguration (spec §1.3) and Get-/Set-CsAccessEdgeConfiguration (§1.4).
#include "admin/commands/common.h"
#include "config/validation.h"

namespace xfed::admin {
namespace {

using namespace commands;
using core::Result;

Result<void> requireGlobal(const Args& args, const char* what) {
  if (auto identity = args.string("Identity"); identity && !core::iequals(*identity, "global")) {
    return invalidArgument(std::string(what) + " has a single global instance: use -Identity "
                           "global (or leave -Identity out), not '" + *identity + "'");
  }
  return core::ok();
}

Record gatewayRecord(const config::XmppGatewayConfiguration& c) {
  Record r{"XmppGatewaySettings", "Global", {}, {}, {}};
  r.add("Identity", std::string("Global"))
      .add("ConnectionLimit", std::int64_t{c.connection_limit})
      .add("PartnerConnectionLimit", std::int64_t{c.partner_connection_limit})
      // The secret itself is never shown; say whether one is set.
      .add("DialbackPassphrase", std::string(c.dialback_passphrase.empty() ? "" : "********"))
      .add("EnableLoggingAllMessageBodies", c.enable_logging_all_message_bodies)
      .add("KeepAliveInterval", std::int64_t{c.keep_alive_interval})
      .add("StreamEstablishmentTimeout", std::int64_t{c.stream_establishment_timeout})
      .add("StreamInactivityTimeout", std::int64_t{c.stream_inactivity_timeout})
      .add("SubscriptionRefreshInterval", std::int64_t{c.subscription_refresh_interval});
  return r;
}

Result<std::vector<Record>> getGateway(Context& context, const Args& args) {
  XFED_TRY(requireGlobal(args, "the XMPP gateway configuration"));
  if (auto filter = args.string("Filter"); filter && !core::wildcardMatch(*filter, "global")) {
    return std::vector<Record>{};
  }
  XFED_ASSIGN_OR_RETURN(config::XmppGatewayConfiguration c, context.store.gatewayConfiguration());
  return std::vector<Record>{gatewayRecord(c)};
}

Result<std::vector<Record>> setGateway(Context& context, const Args& args) {
  XFED_TRY(requireGlobal(args, "the XMPP gateway configuration"));
  XFED_ASSIGN_OR_RETURN(config::XmppGatewayConfiguration c, context.store.gatewayConfiguration());
  auto u32 = [&](const char* name, std::uint32_t& field) {
    if (auto v = args.integer(name)) {
      field = static_cast<std::uint32_t>(*v);
    }
  };
  u32("ConnectionLimit", c.connection_limit);
  u32("PartnerConnectionLimit", c.partner_connection_limit);
  u32("KeepAliveInterval", c.keep_alive_interval);
  u32("StreamEstablishmentTimeout", c.stream_establishment_timeout);
  u32("StreamInactivityTimeout", c.stream_inactivity_timeout);
  u32("SubscriptionRefreshInterval", c.subscription_refresh_interval);
  if (auto v = args.boolean("EnableLoggingAllMessageBodies")) {
    c.enable_logging_all_message_bodies = *v;
  }
  if (auto v = args.string("DialbackPassphrase")) {
    if (v->size() < 8) {
      return invalidArgument("DialbackPassphrase must be at least 8 characters; it is the secret "
                             "dialback keys are derived from (XEP-0185)");
    }
    c.dialback_passphrase = *v;
  }
  XFED_TRY(config::validateGatewayConfiguration(c));
  if (args.flag("WhatIf")) {
    return whatIf("Set-CsXmppGatewayConfiguration", "Global");
  }
  XFED_TRY(context.store.setGatewayConfiguration(c));
  return std::vector<Record>{};
}

Record accessEdgeRecord(const config::AccessEdgeConfiguration& c) {
  Record r{"AccessEdgeConfiguration", "Global", {}, {}, {}};
  r.add("Identity", std::string("Global")).add("AllowFederatedUsers", c.allow_federated_users);
  return r;
}

Result<std::vector<Record>> getAccessEdge(Context& context, const Args& args) {
  XFED_TRY(requireGlobal(args, "the access edge configuration"));
  XFED_ASSIGN_OR_RETURN(config::AccessEdgeConfiguration c, context.store.accessEdgeConfiguration());
  return std::vector<Record>{accessEdgeRecord(c)};
}

Result<std::vector<Record>> setAccessEdge(Context& context, const Args& args) {
  XFED_TRY(requireGlobal(args, "the access edge configuration"));
  XFED_ASSIGN_OR_RETURN(config::AccessEdgeConfiguration c, context.store.accessEdgeConfiguration());
  if (auto v = args.boolean("AllowFederatedUsers")) {
    c.allow_federated_users = *v;
  }
  if (args.flag("WhatIf")) {
    return whatIf("Set-CsAccessEdgeConfiguration", "Global");
  }
  XFED_TRY(context.store.setAccessEdgeConfiguration(c));
  return std::vector<Record>{};
}

ParamDef u32Param(const char* name, std::string help, std::string example) {
  ParamDef p{name, ParamType::UInt32, std::move(help)};
  p.example = std::move(example);
  return p;
}

}  // namespace

void registerGatewayCommands(Registry& registry) {
  {
    CommandDef c{"Get-CsXmppGatewayConfiguration", "gateway", "get",
                 "Shows the global XMPP gateway settings"};
    c.params.push_back(identityParam("always global", "global", false));
    c.params.push_back(filterParam("global"));
    c.params.push_back(switchParam("LocalStore", "accepted for compatibility: there is one store"));
    c.handler = getGateway;
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Set-CsXmppGatewayConfiguration", "gateway", "set",
                 "Changes the global XMPP gateway settings (limits, timeouts, dialback secret)"};
    c.params.push_back(identityParam("always global", "global", false));
    c.params.push_back(u32Param("ConnectionLimit", "simultaneous connections, all partners (1000)",
                                "1000"));
    c.params.push_back(u32Param("PartnerConnectionLimit",
                                "simultaneous connections to one partner (20)", "20"));
    c.params.push_back(stringParam("DialbackPassphrase",
                                   "secret the XEP-0185 dialback keys are derived from",
                                   "'a long random secret'"));
    c.params.push_back(boolParam("EnableLoggingAllMessageBodies",
                                 "log IM bodies (default $false, for privacy)"));
    c.params.push_back(u32Param("KeepAliveInterval", "seconds between keepalives (300)", "300"));
    c.params.push_back(u32Param("StreamEstablishmentTimeout",
                                "seconds a partner has to establish a stream (60)", "60"));
    c.params.push_back(u32Param("StreamInactivityTimeout",
                                "seconds of silence before a stream is closed (600)", "600"));
    c.params.push_back(u32Param("SubscriptionRefreshInterval",
                                "seconds before a presence subscription must be refreshed (28800)",
                                "28800"));
    addChangeSwitches(c.params);
    c.handler = setGateway;
    c.writes = true;
    c.examples = {"Set-CsXmppGatewayConfiguration -StreamInactivityTimeout 900"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Get-CsAccessEdgeConfiguration", "access-edge", "get",
                 "Shows whether federated users are allowed"};
    c.params.push_back(identityParam("always global", "global", false));
    c.handler = getAccessEdge;
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Set-CsAccessEdgeConfiguration", "access-edge", "set",
                 "Allows or refuses federation with other organisations"};
    c.params.push_back(identityParam("always global", "global", false));
    c.params.push_back(boolParam("AllowFederatedUsers",
                                 "allow communication with federated (SIP and XMPP) users"));
    addChangeSwitches(c.params);
    c.handler = setAccessEdge;
    c.writes = true;
    c.examples = {"Set-CsAccessEdgeConfiguration -AllowFederatedUsers $true"};
    registry.add(std::move(c));
  }
}

}  // namespace xfed::admin
