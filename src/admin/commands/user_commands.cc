// SPDX-License-Identifier: Apache-2.0
// Enable-, Get-, Set-, Disable-CsUser: the organisation's SIP users (no Active Directory here).
#include <cctype>

#include "admin/commands/common.h"
#include "admin/commands/users.h"
#include "pki/digest.h"

namespace xfed::admin {

namespace commands {

core::Result<config::User> resolveUser(Context& context, const std::string& identity) {
  std::string key(core::trim(identity));
  if (key.find('@') != std::string::npos) {
    std::optional<std::string> address = config::normalizeSipAddress(key);
    if (!address) {
      return invalidArgument("'" + identity + "' is not a SIP address (user@domain)");
    }
    key = *address;
  }
  XFED_ASSIGN_OR_RETURN(std::vector<config::User> users, context.store.findUsers(key));
  if (users.size() == 1) {
    return users.front();
  }
  if (users.empty()) {
    return notFound("no user has the identity '" + identity +
                    "' (a SIP address or display name); list users with Get-CsUser -Filter '*" +
                    std::string(core::trim(identity)) + "*'");
  }
  std::vector<std::string> addresses;
  for (const config::User& u : users) {
    addresses.push_back(u.sip_address);
  }
  return invalidArgument("the display name '" + identity + "' is ambiguous: " +
                         std::to_string(users.size()) + " users have it (" +
                         core::join(addresses, ", ") + "); use the SIP address");
}

Record userRecord(const config::User& u) {
  Record r{"User", u.sip_address, {}, {}, {}};
  r.add("Identity", u.sip_address)
      .add("SipAddress", u.sip_address)
      .add("DisplayName", u.display_name)
      .add("Enabled", u.enabled)
      .add("RegistrarPool", u.registrar_pool)
      .add("ExternalAccessPolicy",
           u.external_access_policy ? Field(*u.external_access_policy) : Field(std::monostate{}))
      .add("DigestPasswordSet", !u.ha1_md5.empty());
  return r;
}

}  // namespace commands

namespace {

using namespace commands;
using core::Result;

constexpr std::size_t kMinPasswordLength = 8;
constexpr std::size_t kMaxPasswordLength = 256;

/** Reads the password if one of the password options is given; stores only HA1 digests. */
Result<void> applyPassword(Context& context, const Args& args, config::User& user) {
  if (args.has("Password")) {
    return invalidArgument("passwords are never taken on the command line (they would stay in "
                           "shell history and process lists); use -PasswordFile <file>, "
                           "-PasswordFromStdin, or -PromptForPassword");
  }
  int sources = (args.has("PasswordFile") ? 1 : 0) + (args.flag("PasswordFromStdin") ? 1 : 0) +
                (args.flag("PromptForPassword") ? 1 : 0);
  if (sources == 0) {
    return core::ok();
  }
  if (sources > 1) {
    return invalidArgument("give one of -PasswordFile, -PasswordFromStdin and -PromptForPassword");
  }
  if (!context.read_password) {
    return invalidArgument("this session cannot read a password");
  }
  PasswordSource source = args.has("PasswordFile")      ? PasswordSource::File
                          : args.flag("PasswordFromStdin") ? PasswordSource::Stdin
                                                         : PasswordSource::Prompt;
  XFED_ASSIGN_OR_RETURN(std::string password,
                        context.read_password(source, args.string("PasswordFile").value_or("")));
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return invalidArgument("the password must be " + std::to_string(kMinPasswordLength) + " to " +
                           std::to_string(kMaxPasswordLength) + " characters long");
  }
  // RFC 3261 digest: username is the user part, realm the user's SIP domain (RFC 8760 too).
  user.ha1_md5 = pki::ha1Md5(user.userPart(), user.domainPart(), password);
  user.ha1_sha256 = pki::ha1Sha256(user.userPart(), user.domainPart(), password);
  std::fill(password.begin(), password.end(), '\0');
  return core::ok();
}

Result<std::string> checkSipAddress(const config::Topology& topology, const std::string& text) {
  std::optional<std::string> address = config::normalizeSipAddress(text);
  if (!address) {
    return invalidArgument("'" + text + "' is not a SIP address; use sip:user@domain, e.g. "
                           "sip:alice@" + topology.defaultSipDomain());
  }
  std::string domain = address->substr(address->find('@') + 1);
  if (topology.findSipDomain(domain) == nullptr) {
    std::vector<std::string> names;
    for (const auto& d : topology.sip_domains) {
      names.push_back(d.name);
    }
    return invalidArgument("the SIP domain '" + domain + "' of " + *address +
                           " is not a SIP domain of the topology (" + core::join(names, ", ") +
                           "); use one of them, or add it to the topology and publish it");
  }
  return *address;
}

Result<std::string> checkRegistrarPool(const config::Topology& topology,
                                       const std::optional<std::string>& requested) {
  std::vector<std::string> names;
  for (const auto& p : topology.front_end_pools) {
    names.push_back(p.fqdn);
  }
  if (!requested) {
    if (topology.front_end_pools.size() == 1) {
      return topology.front_end_pools.front().fqdn;
    }
    return invalidArgument(names.empty()
                               ? std::string("the topology has no front end pool to home users on")
                               : "the topology has several front end pools; choose one with "
                                 "-RegistrarPool (" + core::join(names, ", ") + ")");
  }
  const config::FrontEndPool* pool = topology.findFrontEndPool(*requested);
  if (pool == nullptr) {
    return invalidArgument("'" + *requested + "' is not a front end pool of the topology; use " +
                           (names.empty() ? std::string("a published front end pool")
                                          : "one of: " + core::join(names, ", ")));
  }
  return pool->fqdn;
}

/** "Alice Smith" -> "alice.smith", for -SipDomain without -SipAddress. */
std::string addressFromName(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if ((c == ' ' || c == '.' || c == '-' || c == '_') && !out.empty() && out.back() != '.') {
      out += '.';
    }
  }
  while (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

Result<std::vector<Record>> enableUser(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::Topology topology, context.store.topology());
  std::string identity(core::trim(*args.string("Identity")));
  config::User user;
  std::optional<std::string> sip = args.string("SipAddress");
  if (!sip && identity.find('@') != std::string::npos) {
    sip = identity;  // Enable-CsUser alice@contoso.test
  }
  if (!sip && args.has("SipDomain")) {
    std::string local = addressFromName(identity);
    if (local.empty()) {
      return invalidArgument("cannot make a SIP address from '" + identity + "'; give -SipAddress");
    }
    sip = local + "@" + *args.string("SipDomain");
  }
  if (!sip) {
    return invalidArgument("give the user's SIP address: Enable-CsUser -Identity \"" + identity +
                           "\" -SipAddress sip:" + addressFromName(identity) + "@" +
                           topology.defaultSipDomain() + " (or -SipDomain " +
                           topology.defaultSipDomain() + ")");
  }
  XFED_ASSIGN_OR_RETURN(user.sip_address, checkSipAddress(topology, *sip));
  user.display_name = identity.find('@') != std::string::npos && !args.has("DisplayName")
                          ? user.userPart()
                          : args.string("DisplayName").value_or(identity);
  XFED_ASSIGN_OR_RETURN(user.registrar_pool,
                        checkRegistrarPool(topology, args.string("RegistrarPool")));
  user.enabled = args.boolean("Enabled").value_or(true);
  XFED_TRY(applyPassword(context, args, user));
  if (args.flag("WhatIf")) {
    return whatIf("Enable-CsUser", user.sip_address);
  }
  Result<void> inserted = context.store.insertUser(user);
  if (!inserted && inserted.error().code == core::Errc::AlreadyExists) {
    return core::fail(core::Errc::AlreadyExists,
                      user.sip_address + " is already enabled; change it with Set-CsUser");
  }
  XFED_TRY(inserted);
  if (args.flag("PassThru")) {
    return std::vector<Record>{userRecord(user)};
  }
  return std::vector<Record>{};
}

Result<std::vector<Record>> getUser(Context& context, const Args& args) {
  XFED_TRY(rejectWildcardIdentity(args));
  std::vector<Record> out;
  if (auto identity = args.string("Identity")) {
    XFED_ASSIGN_OR_RETURN(config::User user, resolveUser(context, *identity));
    out.push_back(userRecord(user));
    return out;
  }
  store::UserQuery query;
  query.filter = args.string("Filter");
  if (auto size = args.integer("ResultSize")) {
    query.limit = static_cast<std::size_t>(*size);
  }
  XFED_ASSIGN_OR_RETURN(std::vector<config::User> users, context.store.listUsers(query));
  out.reserve(users.size());
  for (const config::User& u : users) {
    out.push_back(userRecord(u));
  }
  return out;
}

Result<std::vector<Record>> setUser(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::User user, resolveUser(context, *args.string("Identity")));
  XFED_ASSIGN_OR_RETURN(config::Topology topology, context.store.topology());
  std::string old_address = user.sip_address;
  if (auto sip = args.string("SipAddress")) {
    XFED_ASSIGN_OR_RETURN(user.sip_address, checkSipAddress(topology, *sip));
    if (user.sip_address != old_address && !args.has("PasswordFile") &&
        !args.flag("PasswordFromStdin") && !args.flag("PromptForPassword")) {
      // The digest realm and username come from the address: old hashes no longer match.
      user.ha1_md5.clear();
      user.ha1_sha256.clear();
      context.warn(user.sip_address + ": the SIP address changed, so the digest password was "
                   "cleared; set a new one with -PasswordFile, -PasswordFromStdin or "
                   "-PromptForPassword");
    }
  }
  if (auto name = args.string("DisplayName")) {
    user.display_name = *name;
  }
  if (auto pool = args.string("RegistrarPool")) {
    XFED_ASSIGN_OR_RETURN(user.registrar_pool, checkRegistrarPool(topology, pool));
  }
  if (auto enabled = args.boolean("Enabled")) {
    user.enabled = *enabled;
  }
  XFED_TRY(applyPassword(context, args, user));
  if (args.flag("WhatIf")) {
    return whatIf("Set-CsUser", old_address);
  }
  XFED_TRY(context.store.updateUser(old_address, user));
  if (args.flag("PassThru")) {
    return std::vector<Record>{userRecord(user)};
  }
  return std::vector<Record>{};
}

Result<std::vector<Record>> disableUser(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::User user, resolveUser(context, *args.string("Identity")));
  if (args.flag("WhatIf")) {
    return whatIf("Disable-CsUser", user.sip_address);
  }
  XFED_TRY(context.store.deleteUser(user.sip_address));
  return std::vector<Record>{};
}

void addPasswordParams(std::vector<ParamDef>& params) {
  params.push_back(stringParam("PasswordFile",
                               "read the SIP password from the first line of this file",
                               "/root/alice.pw"));
  params.push_back(switchParam("PasswordFromStdin", "read the SIP password from standard input"));
  params.push_back(switchParam("PromptForPassword", "ask for the SIP password on the terminal"));
  params.push_back(stringParam("Password", "refused: never give a password on the command line"));
}

}  // namespace

void registerUserCommands(Registry& registry) {
  const std::string kUserHelp = "the user's SIP address or display name";
  {
    CommandDef c{"Enable-CsUser", "user", "enable",
                 "Creates a SIP user homed on a front end pool"};
    c.params.push_back(identityParam("the display name (or the SIP address)", "\"Alice Smith\"",
                                     true));
    c.params.push_back(stringParam("SipAddress", "sip:user@domain", "sip:alice@contoso.test"));
    c.params.push_back(stringParam("SipDomain",
                                   "make the address from the display name in this domain",
                                   "contoso.test"));
    c.params.push_back(stringParam("DisplayName", "the display name (default: -Identity)"));
    c.params.push_back(stringParam("RegistrarPool",
                                   "front end pool FQDN (default: the only one)",
                                   "fe.contoso.test"));
    c.params.push_back(boolParam("Enabled", "whether the user may sign in (default $true)"));
    addPasswordParams(c.params);
    c.params.push_back(switchParam("PassThru", "print the user"));
    addChangeSwitches(c.params);
    c.handler = enableUser;
    c.writes = true;
    c.examples = {"Enable-CsUser -Identity \"Alice Smith\" -SipAddress sip:alice@contoso.test "
                  "-PasswordFile /root/alice.pw"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Get-CsUser", "user", "get", "Shows SIP users"};
    c.params.push_back(identityParam(kUserHelp, "sip:alice@contoso.test", false));
    c.params.push_back(filterParam("*@contoso.test"));
    ParamDef size{"ResultSize", ParamType::UInt32, "return at most this many users"};
    size.example = "100";
    c.params.push_back(size);
    c.handler = getUser;
    c.examples = {"Get-CsUser", "Get-CsUser -Filter 'sip:a*'"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Set-CsUser", "user", "set",
                 "Changes a user (address, display name, pool, enabled, password)"};
    c.params.push_back(identityParam(kUserHelp, "sip:alice@contoso.test", true, true));
    c.params.push_back(stringParam("SipAddress", "new SIP address", "sip:alice@contoso.test"));
    c.params.push_back(stringParam("DisplayName", "new display name", "\"Alice Smith\""));
    c.params.push_back(stringParam("RegistrarPool", "front end pool FQDN", "fe.contoso.test"));
    c.params.push_back(boolParam("Enabled", "whether the user may sign in"));
    addPasswordParams(c.params);
    c.params.push_back(switchParam("PassThru", "print the user after the change"));
    addChangeSwitches(c.params);
    c.handler = setUser;
    c.writes = true;
    c.examples = {"Set-CsUser sip:alice@contoso.test -Enabled $false"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Disable-CsUser", "user", "disable", "Removes a SIP user and its settings"};
    c.params.push_back(identityParam(kUserHelp, "sip:alice@contoso.test", true, true));
    addChangeSwitches(c.params);
    c.handler = disableUser;
    c.writes = true;
    registry.add(std::move(c));
  }
}

}  // namespace xfed::admin
