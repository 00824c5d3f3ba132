// SPDX-License-Identifier: Apache-2.0
#include "net/dns/unbound_resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unbound.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <asio/post.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "core/errors.h"
#include "core/strings.h"
#include "net/dns/errors.h"
#include "net/dns/rdata.h"

namespace xfed::net::dns {
namespace detail {
namespace {

// The rdata of one RR type; empty for NXDOMAIN and NODATA.
using RawAnswer = core::Result<std::vector<std::string>>;

std::string typeName(int rrtype) {
  switch (rrtype) {
    case kTypeA:
      return "A";
    case kTypeAaaa:
      return "AAAA";
    case kTypeSrv:
      return "SRV";
    default:
      return "TYPE" + std::to_string(rrtype);
  }
}

RawAnswer toAnswer(int err, const ub_result* result, const std::string& what) {
  if (err != 0 || result == nullptr) {
    return dnsError(DnsErrc::ResolverFailure, what + ": " + ub_strerror(err));
  }
  if (result->bogus) {
    return dnsError(DnsErrc::Bogus,
                    what + ": DNSSEC validation failed" +
                        (result->why_bogus ? std::string(": ") + result->why_bogus : ""));
  }
  switch (result->rcode) {
    case 0:  // NOERROR: data, or NODATA
      break;
    case 3:  // NXDOMAIN
      return std::vector<std::string>{};
    case 2:
      return dnsError(DnsErrc::ServerFailure,
                      what + ": SERVFAIL" + (result->was_ratelimited ? " (rate limited)" : ""));
    case 5:
      return dnsError(DnsErrc::ServerFailure, what + ": REFUSED");
    default:
      return dnsError(DnsErrc::ServerFailure, what + ": RCODE " + std::to_string(result->rcode));
  }
  std::vector<std::string> rdata;
  if (result->havedata && result->data != nullptr) {  // data itself may be null
    for (int i = 0; result->data[i] != nullptr; ++i) {
      rdata.emplace_back(result->data[i], static_cast<std::size_t>(result->len[i]));
    }
  }
  return rdata;
}

}  // namespace

/**
 * One lookup of one or more RR types. Shared by the awaiting coroutine and the pending table;
 * answers are written only on the awaiting coroutine's executor (the timer's).
 */
struct Query {
  Query(const asio::any_io_executor& executor, std::size_t parts)
      : timer(executor), answers(parts), remaining(parts) {}

  asio::steady_timer timer;  // the deadline; canceled early once every answer is in
  std::vector<std::optional<RawAnswer>> answers;
  std::size_t remaining;
};
using QueryPtr = std::shared_ptr<Query>;

namespace {

// Hands one answer to the query on its own executor.
void deliver(QueryPtr query, std::size_t part, RawAnswer answer) {
  asio::any_io_executor executor = query->timer.get_executor();
  asio::post(executor, [query = std::move(query), part, answer = std::move(answer)]() mutable {
    if (query->answers[part]) {
      return;
    }
    query->answers[part] = std::move(answer);
    if (--query->remaining == 0) {
      query->timer.cancel();
    }
  });
}

}  // namespace

/**
 * The libunbound context and the lookups in flight.
 * Threading: every member function runs on strand_ (close() also after the io_context stopped).
 * Lifetime: owned by one UnboundResolver; handlers and lookups hold weak_ptrs only.
 */
class UnboundCore : public std::enable_shared_from_this<UnboundCore> {
public:
  UnboundCore(const asio::any_io_executor& executor, ub_ctx* ctx)
      : strand_(asio::make_strand(executor)), ctx_(ctx), fd_(strand_) {}
  ~UnboundCore() { close(); }
  UnboundCore(const UnboundCore&) = delete;
  UnboundCore& operator=(const UnboundCore&) = delete;

  ub_ctx* context() { return ctx_; }
  const asio::strand<asio::any_io_executor>& strand() const { return strand_; }
  std::size_t pending() const { return pending_.size(); }

  core::Result<void> watch() {
    int fd = ub_fd(ctx_);
    if (fd < 0) {
      return dnsError(DnsErrc::ResolverFailure, "libunbound has no result descriptor");
    }
    std::error_code ec;
    fd_.assign(fd, ec);
    if (ec) {
      return dnsError(DnsErrc::ResolverFailure,
                      "cannot watch the libunbound descriptor: " + ec.message());
    }
    return core::ok();
  }

  void start(QueryPtr query, const std::string& name, int rrtype, std::size_t part) {
    std::string what = typeName(rrtype) + " " + name;
    if (closed_) {
      deliver(std::move(query), part, dnsError(DnsErrc::Canceled, what + ": resolver closed"));
      return;
    }
    auto pending = std::make_unique<Pending>(Pending{this, next_serial_++, 0, part, query, what});
    int rc = ub_resolve_async(ctx_, name.c_str(), rrtype, kClassIn, pending.get(),
                              &UnboundCore::onResult, &pending->async_id);
    if (rc != 0) {
      deliver(std::move(query), part,
              dnsError(DnsErrc::ResolverFailure, what + ": " + ub_strerror(rc)));
      return;
    }
    std::uint64_t serial = pending->serial;
    pending_.emplace(serial, std::move(pending));
    armWait();
  }

  /** Stops what query still has in flight; its awaiter has given up on it. */
  void cancel(const QueryPtr& query) {
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second->query != query) {
        ++it;
        continue;
      }
      if (ub_cancel(ctx_, it->second->async_id) == 0) {
        it = pending_.erase(it);  // its callback will not be called (libunbound contract)
      } else {
        it->second->query.reset();  // the callback may still come: let it free the entry
        ++it;
      }
    }
  }

  /** Ends every lookup with Canceled and frees libunbound. Idempotent. */
  void close() {
    if (closed_) {
      return;
    }
    closed_ = true;
    std::error_code ignored;
    fd_.cancel(ignored);
    fd_.release();  // the descriptor belongs to libunbound: deregister, do not close
    for (auto& [serial, pending] : pending_) {
      if (pending->query) {
        deliver(pending->query, pending->part,
                dnsError(DnsErrc::Canceled, pending->what + ": resolver closed"));
      }
    }
    // Deletes the outstanding queries without callbacks and joins libunbound's thread.
    ub_ctx_delete(ctx_);
    ctx_ = nullptr;
    pending_.clear();
  }

private:
  struct Pending {
    UnboundCore* core;
    std::uint64_t serial;
    int async_id;
    std::size_t part;
    QueryPtr query;  // null once abandoned (a failed ub_cancel)
    std::string what;
  };

  // Called by libunbound from ub_process(), so on strand_.
  static void onResult(void* arg, int err, ub_result* result) {
    auto* pending = static_cast<Pending*>(arg);
    UnboundCore* self = pending->core;
    auto node = self->pending_.extract(pending->serial);  // owns *pending until return
    RawAnswer answer = toAnswer(err, result, pending->what);
    if (result != nullptr) {
      ub_resolve_free(result);
    }
    if (!node.empty() && pending->query) {
      deliver(std::move(pending->query), pending->part, std::move(answer));
    }
  }

  void armWait() {
    if (waiting_ || closed_ || pending_.empty()) {
      return;
    }
    waiting_ = true;
    fd_.async_wait(asio::posix::stream_descriptor::wait_read,
                   [weak = weak_from_this()](std::error_code ec) {
                     if (std::shared_ptr<UnboundCore> self = weak.lock()) {
                       self->onReadable(ec);
                     }
                   });
  }

  void onReadable(std::error_code ec) {
    waiting_ = false;
    if (closed_) {
      return;
    }
    if (ec && ec != asio::error::operation_aborted) {
      failAll("watching libunbound's descriptor: " + ec.message());
      return;
    }
    if (!ec) {
      if (int rc = ub_process(ctx_); rc != 0) {
        failAll(std::string("ub_process: ") + ub_strerror(rc));
        return;
      }
    }
    armWait();
  }

  void failAll(const std::string& why) {
    for (auto& [serial, pending] : pending_) {
      if (pending->query) {
        deliver(pending->query, pending->part,
                dnsError(DnsErrc::ResolverFailure, pending->what + ": " + why));
      }
    }
    std::vector<QueryPtr> queries;
    for (auto& [serial, pending] : pending_) {
      if (pending->query) {
        queries.push_back(pending->query);
      }
    }
    for (const QueryPtr& query : queries) {
      cancel(query);
    }
  }

  asio::strand<asio::any_io_executor> strand_;
  ub_ctx* ctx_;
  asio::posix::stream_descriptor fd_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Pending>> pending_;
  std::uint64_t next_serial_ = 1;
  bool waiting_ = false;
  bool closed_ = false;
};

namespace {

/**
 * Looks up name for each of types at once; one answer per type, in the order of types. A type
 * without an answer by the deadline gets Timeout; canceled awaiters get Canceled.
 */
asio::awaitable<std::vector<RawAnswer>> lookup(std::weak_ptr<UnboundCore> weak, std::string name,
                                               std::vector<int> types,
                                               std::chrono::milliseconds deadline) {
  auto executor = co_await asio::this_coro::executor;
  auto query = std::make_shared<Query>(executor, types.size());
  query->timer.expires_after(deadline);
  if (std::shared_ptr<UnboundCore> core = weak.lock()) {
    for (std::size_t part = 0; part < types.size(); ++part) {
      asio::post(core->strand(), [weak, query, name, type = types[part], part] {
        if (std::shared_ptr<UnboundCore> self = weak.lock()) {
          self->start(query, name, type, part);
        } else {
          deliver(query, part, dnsError(DnsErrc::Canceled, name + ": resolver closed"));
        }
      });
    }
  } else {
    std::vector<RawAnswer> closed;
    for (int type : types) {
      closed.push_back(
          dnsError(DnsErrc::Canceled, typeName(type) + " " + name + ": resolver closed"));
    }
    co_return closed;
  }

  std::error_code ec;
  co_await query->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  // A canceled timer means every answer arrived, or the awaiter was canceled; an expired one
  // means the deadline passed.
  if (query->remaining != 0) {
    if (std::shared_ptr<UnboundCore> core = weak.lock()) {
      asio::post(core->strand(), [weak, query] {
        if (std::shared_ptr<UnboundCore> self = weak.lock()) {
          self->cancel(query);
        }
      });
    }
  }
  std::vector<RawAnswer> answers;
  for (std::size_t part = 0; part < types.size(); ++part) {
    if (query->answers[part]) {
      answers.push_back(std::move(*query->answers[part]));
    } else if (!ec) {
      answers.push_back(dnsError(DnsErrc::Timeout, typeName(types[part]) + " " + name +
                                                       ": no answer within " +
                                                       std::to_string(deadline.count()) + " ms"));
    } else {
      answers.push_back(
          dnsError(DnsErrc::Canceled, typeName(types[part]) + " " + name + ": canceled"));
    }
  }
  co_return answers;
}

bool isLoopback(const std::string& ip) {
  std::array<unsigned char, 16> bytes{};
  if (inet_pton(AF_INET, ip.c_str(), bytes.data()) == 1) {
    return bytes[0] == 127;
  }
  if (inet_pton(AF_INET6, ip.c_str(), bytes.data()) == 1) {
    in6_addr address{};
    std::copy(bytes.begin(), bytes.end(), address.s6_addr);
    return IN6_IS_ADDR_LOOPBACK(&address) ||
           (IN6_IS_ADDR_V4MAPPED(&address) && address.s6_addr[12] == 127);
  }
  return false;
}

core::Error invalid(const std::string& what) {
  return core::fail(core::Errc::InvalidArgument, what);
}

int apply(ub_ctx* ctx, const UnboundSetting& setting) {
  if (setting.option == "forward-addr") {
    return ub_ctx_set_fwd(ctx, setting.value.c_str());
  }
  if (setting.option == "hosts") {
    return ub_ctx_hosts(ctx, setting.value.c_str());
  }
  if (setting.option == "auto-trust-anchor-file") {
    return ub_ctx_add_ta_autr(ctx, setting.value.c_str());
  }
  return ub_ctx_set_option(ctx, setting.option.c_str(), setting.value.c_str());
}

}  // namespace
}  // namespace detail

core::Result<std::vector<UnboundSetting>> unboundSettings(const UnboundConfig& config) {
  std::vector<UnboundSetting> settings;
  bool loopback = config.query_localhost;
  for (const std::string& forwarder : config.forwarders) {
    std::size_t at = forwarder.find('@');
    std::string ip = forwarder.substr(0, at);
    if (!core::isIpAddress(ip)) {
      return detail::invalid("forwarder '" + forwarder + "': expected ip or ip@port");
    }
    if (at != std::string::npos) {
      std::string_view port(forwarder);
      port.remove_prefix(at + 1);
      unsigned value = 0;
      auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
      if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
        return detail::invalid("forwarder '" + forwarder + "': port must be 1-65535");
      }
    }
    loopback = loopback || detail::isLoopback(ip);
    settings.push_back({"forward-addr", forwarder});
  }
  if (loopback) {
    settings.push_back({"do-not-query-localhost:", "no"});
  }
  bool validate = !config.trust_anchor_file.empty();
  if (validate) {
    settings.push_back({"auto-trust-anchor-file", config.trust_anchor_file});
  } else {
    settings.push_back({"module-config:", "iterator"});  // no validator without an anchor
  }
  for (const std::string& zone : config.transparent_zones) {
    std::string name = normalizeName(zone);
    if (!isQueryName(name)) {
      return detail::invalid("transparent zone '" + zone + "' is not a DNS name");
    }
    settings.push_back({"local-zone:", name + ". transparent"});
    if (validate) {
      settings.push_back({"domain-insecure:", name + "."});
    }
  }
  if (!config.hosts_file.empty()) {
    settings.push_back({"hosts", config.hosts_file});
  }
  if (config.query_deadline.count() <= 0) {
    return detail::invalid("query deadline must be positive");
  }
  for (const auto& [option, value] : config.extra_options) {
    if (option.empty() || option.back() != ':') {
      return detail::invalid("libunbound option '" + option + "' must end with ':'");
    }
    settings.push_back({option, value});
  }
  return settings;
}

core::Result<std::unique_ptr<UnboundResolver>> UnboundResolver::create(
    asio::any_io_executor executor, const UnboundConfig& config) {
  XFED_ASSIGN_OR_RETURN(std::vector<UnboundSetting> settings, unboundSettings(config));
  ub_ctx* ctx = ub_ctx_create();
  if (ctx == nullptr) {
    return dnsError(DnsErrc::ResolverFailure, "ub_ctx_create failed");
  }
  auto core = std::make_shared<detail::UnboundCore>(executor, ctx);  // owns ctx from here
  for (const UnboundSetting& setting : settings) {
    if (int rc = detail::apply(ctx, setting); rc != 0) {
      return dnsError(DnsErrc::ResolverFailure, "libunbound rejected " + setting.option + " " +
                                                    setting.value + ": " + ub_strerror(rc));
    }
  }
  if (int rc = ub_ctx_async(ctx, 1); rc != 0) {  // a thread, not a forked process
    return dnsError(DnsErrc::ResolverFailure, std::string("ub_ctx_async: ") + ub_strerror(rc));
  }
  XFED_TRY(core->watch());
  return std::unique_ptr<UnboundResolver>(
      new UnboundResolver(std::move(core), config.query_deadline));
}

UnboundResolver::UnboundResolver(std::shared_ptr<detail::UnboundCore> core,
                                 std::chrono::milliseconds deadline)
    : core_(std::move(core)), deadline_(deadline) {}

UnboundResolver::~UnboundResolver() {
  core_->close();
  core_.reset();
}

std::size_t UnboundResolver::pendingForTest() const { return core_->pending(); }

asio::awaitable<core::Result<std::vector<SrvRecord>>> UnboundResolver::srv(std::string name) {
  std::string key = normalizeName(name);
  if (!isQueryName(key)) {
    co_return dnsError(DnsErrc::InvalidName, "'" + name + "' is not a valid DNS name");
  }
  // Only copies cross the suspension: `this` may be gone when the lookup resumes.
  // (Types built outside the co_await: g++ 12 rejects a braced list inside it.)
  std::vector<int> types(1, kTypeSrv);
  std::vector<detail::RawAnswer> answers =
      co_await detail::lookup(core_, key, std::move(types), deadline_);
  detail::RawAnswer& answer = answers.front();
  if (!answer) {
    co_return answer.error();
  }
  std::vector<SrvRecord> records;
  std::optional<core::Error> malformed;
  for (const std::string& rdata : *answer) {
    if (core::Result<SrvRecord> record = parseSrvRdata(rdata)) {
      records.push_back(std::move(record).value());
    } else {
      malformed = record.error();
    }
  }
  if (records.empty() && malformed) {
    co_return dnsError(DnsErrc::Malformed, "SRV " + key + ": " + malformed->detail);
  }
  co_return records;
}

asio::awaitable<core::Result<std::vector<std::string>>> UnboundResolver::addresses(
    std::string host) {
  if (std::optional<std::string> literal = literalAddress(host)) {
    co_return std::vector<std::string>{std::move(*literal)};
  }
  std::string key = normalizeName(host);
  if (!isQueryName(key)) {
    co_return dnsError(DnsErrc::InvalidName, "'" + host + "' is not a valid DNS name");
  }
  std::vector<int> types;
  types.push_back(kTypeAaaa);
  types.push_back(kTypeA);
  std::vector<detail::RawAnswer> answers =
      co_await detail::lookup(core_, key, std::move(types), deadline_);
  std::array<std::vector<std::string>, 2> families;  // IPv6, IPv4
  std::optional<core::Error> failure;
  for (std::size_t family = 0; family < answers.size(); ++family) {
    if (!answers[family]) {
      if (!failure) {
        failure = answers[family].error();
      }
      continue;
    }
    for (const std::string& rdata : *answers[family]) {
      if (core::Result<std::string> address = parseAddressRdata(rdata)) {
        families[family].push_back(std::move(address).value());
      } else if (!failure) {
        failure = address.error();
      }
    }
  }
  // A family that failed does not hide the other: many servers drop AAAA queries.
  std::vector<std::string> interleaved;  // RFC 8305 §4: alternate families, IPv6 first
  for (std::size_t i = 0; i < std::max(families[0].size(), families[1].size()); ++i) {
    for (const std::vector<std::string>& list : families) {
      if (i < list.size()) {
        interleaved.push_back(list[i]);
      }
    }
  }
  if (interleaved.empty() && failure) {
    co_return *failure;
  }
  co_return interleaved;
}

}  // namespace xfed::net::dns
