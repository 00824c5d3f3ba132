// SPDX-License-Identifier: Apache-2.0
#include "net/dns/srv.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <utility>

namespace xfed::net::dns {
namespace {

// RFC 2782 ordering over any element that carries an SrvRecord; `record` projects it.
template <class T, class Project>
std::vector<T> orderRfc2782(std::vector<T> items, Random& random, Project record) {
  std::stable_sort(items.begin(), items.end(),
                   [&](const T& a, const T& b) { return record(a).priority < record(b).priority; });
  std::vector<T> ordered;
  ordered.reserve(items.size());
  auto group_begin = items.begin();
  while (group_begin != items.end()) {
    std::uint16_t priority = record(*group_begin).priority;
    auto group_end = std::find_if(group_begin, items.end(),
                                  [&](const T& item) { return record(item).priority != priority; });
    // "arrange all SRV RRs (that have not been ordered yet) in any order, except that all those
    // with weight 0 are placed at the beginning of the list" (RFC 2782). Removing the picked
    // record keeps that arrangement for the next round.
    std::stable_partition(group_begin, group_end,
                          [&](const T& item) { return record(item).weight == 0; });
    std::vector<T> unordered(std::make_move_iterator(group_begin),
                             std::make_move_iterator(group_end));
    while (!unordered.empty()) {
      std::size_t chosen = 0;
      std::uint64_t sum = 0;
      for (const T& item : unordered) {
        sum += record(item).weight;
      }
      if (unordered.size() > 1 && sum > 0) {
        // A DNS message cannot carry enough records to exceed 32 bits; saturate regardless.
        auto bound = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(sum, std::numeric_limits<std::uint32_t>::max()));
        std::uint64_t draw = std::min(random.uniform(bound), bound);
        std::uint64_t running = 0;
        for (std::size_t i = 0; i < unordered.size(); ++i) {
          running += record(unordered[i]).weight;
          if (running >= draw) {
            chosen = i;
            break;
          }
        }
      }
      ordered.push_back(std::move(unordered[chosen]));
      unordered.erase(unordered.begin() + static_cast<std::ptrdiff_t>(chosen));
    }
    group_begin = group_end;
  }
  return ordered;
}

bool isRoot(const SrvRecord& record) { return record.target == "."; }

std::string withoutTrailingDot(std::string host) {
  if (host.size() > 1 && host.back() == '.') {
    host.pop_back();
  }
  return host;
}

struct Tagged {
  SrvRecord record;
  bool direct_tls = false;
};

}  // namespace

std::uint32_t SeededRandom::entropySeed() {
  std::random_device device;
  return device();
}

std::uint32_t SeededRandom::uniform(std::uint32_t max_inclusive) {
  return std::uniform_int_distribution<std::uint32_t>(0, max_inclusive)(engine_);
}

std::vector<SrvRecord> orderSrv(std::vector<SrvRecord> records, Random& random) {
  return orderRfc2782(std::move(records), random,
                      [](const SrvRecord& r) -> const SrvRecord& { return r; });
}

bool isServiceDeclined(const std::vector<SrvRecord>& records) {
  return !records.empty() && std::all_of(records.begin(), records.end(), isRoot);
}

MergedServices mergeXmppServices(std::string_view domain, std::vector<SrvRecord> xmpps_server,
                                 std::vector<SrvRecord> xmpp_server, Random& random) {
  bool any_record = !xmpps_server.empty() || !xmpp_server.empty();

  std::vector<Tagged> combined;
  combined.reserve(xmpps_server.size() + xmpp_server.size());
  for (SrvRecord& record : xmpps_server) {
    if (!isRoot(record)) {
      combined.push_back({std::move(record), true});
    }
  }
  for (SrvRecord& record : xmpp_server) {
    if (!isRoot(record)) {
      combined.push_back({std::move(record), false});
    }
  }

  MergedServices merged;
  if (!combined.empty()) {
    merged.availability = ServiceAvailability::Available;
    for (Tagged& tagged :
         orderRfc2782(std::move(combined), random,
                      [](const Tagged& t) -> const SrvRecord& { return t.record; })) {
      merged.targets.push_back({withoutTrailingDot(std::move(tagged.record.target)),
                                tagged.record.port, tagged.direct_tls});
    }
    return merged;
  }
  if (any_record) {  // every record is ".", so at least one kind was declined
    merged.availability = ServiceAvailability::NotAvailable;
    return merged;
  }
  merged.availability = ServiceAvailability::NoSrvRecords;
  merged.targets.push_back({withoutTrailingDot(std::string(domain)), kDefaultS2sPort, false});
  return merged;
}

}  // namespace xfed::net::dns
