// SPDX-License-Identifier: Apache-2.0
// Throughput of the XMPP stream parser on a 289-byte chat message, against expat alone on the
// same bytes, plus the serializer and the heap an idle parser holds.
//
//   bin/xml_parse_bench                     (ns per stanza = the "Time" column)
//   bin/xml_parse_bench --benchmark_filter=Feed
#include <malloc.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <expat.h>

#include "xml/element.h"
#include "xml/serializer.h"
#include "xml/stream_parser.h"

namespace {

using xfed::xml::ElementReceived;
using xfed::xml::StreamEvent;
using xfed::xml::StreamParser;

constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "
    "from='capulet.example' to='montague.example' id='D60000229F' version='1.0' xml:lang='en'>";

// A typical one-to-one chat message over s2s (RFC 6121 §5 with a XEP-0085 chat state).
constexpr std::string_view kMessage =
    "<message from='juliet@capulet.example/balcony' to='romeo@montague.example/orchard' "
    "type='chat' id='ktx72v49' xml:lang='en'><body>Romeo, wherefore art thou Romeo</body>"
    "<thread>e0ffe42b28561960c6b12b944a092794b9683a38</thread>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/></message>";
static_assert(kMessage.size() == 289);

/** Expat with namespace processing and no-op handlers: the floor for any expat-based parser. */
void BM_ExpatAlone(benchmark::State& state) {
  XML_Parser parser = XML_ParserCreateNS("UTF-8", '\x01');
  XML_SetElementHandler(
      parser, [](void*, const XML_Char*, const XML_Char**) {}, [](void*, const XML_Char*) {});
  XML_SetCharacterDataHandler(parser, [](void*, const XML_Char*, int) {});
  if (XML_Parse(parser, kHeader.data(), static_cast<int>(kHeader.size()), XML_FALSE) !=
      XML_STATUS_OK) {
    state.SkipWithError("header");
  }
  for (auto _ : state) {
    if (XML_Parse(parser, kMessage.data(), static_cast<int>(kMessage.size()), XML_FALSE) !=
        XML_STATUS_OK) {
      state.SkipWithError("stanza");
      break;
    }
  }
  XML_ParserFree(parser);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kMessage.size()));
}
BENCHMARK(BM_ExpatAlone);

/** StreamParser::feed: expat plus building the Element and moving it into the event. */
void BM_StreamParserFeed(benchmark::State& state) {
  StreamParser parser;
  std::vector<StreamEvent> events;
  parser.feed(kHeader, events);
  for (auto _ : state) {
    events.clear();
    parser.feed(kMessage, events);
    benchmark::DoNotOptimize(events.data());
  }
  if (events.size() != 1 || !std::holds_alternative<ElementReceived>(events[0])) {
    state.SkipWithError("expected one ElementReceived per stanza");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kMessage.size()));
}
BENCHMARK(BM_StreamParserFeed);

/** Ten stanzas per feed() call, as from one 3 KiB read. */
void BM_StreamParserFeedBatch(benchmark::State& state) {
  StreamParser parser;
  std::vector<StreamEvent> events;
  parser.feed(kHeader, events);
  std::string batch;
  for (int i = 0; i < 10; ++i) {
    batch += kMessage;
  }
  for (auto _ : state) {
    events.clear();
    parser.feed(batch, events);
    benchmark::DoNotOptimize(events.data());
  }
  state.SetItemsProcessed(state.iterations() * 10);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(batch.size()));
}
BENCHMARK(BM_StreamParserFeedBatch);

/** appendXml of the parsed message into a reused buffer, as a session's writer would. */
void BM_Serialize(benchmark::State& state) {
  StreamParser parser;
  std::vector<StreamEvent> events;
  parser.feed(kHeader, events);
  events.clear();
  parser.feed(kMessage, events);
  const xfed::xml::Element& message = std::get<ElementReceived>(events.at(0)).element;
  std::string out;
  for (auto _ : state) {
    out.clear();
    xfed::xml::appendXml(out, message, "jabber:server");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Serialize);

/**
 * Heap held per idle parser (open stream, a 16 KiB read of stanzas parsed, nothing pending), from
 * glibc's allocator statistics over many parsers: the counter "bytes_per_parser" (everything,
 * allocator overhead included) and "expat_bytes" (expat's own count, parserMemoryBytes()).
 */
void BM_IdleParserMemory(benchmark::State& state) {
  constexpr int kParsers = 200;
  double per_parser = 0;
  double expat_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::unique_ptr<StreamParser>> parsers;
    parsers.reserve(kParsers);
    std::vector<StreamEvent> events;
    events.reserve(4);
    std::string read;  // one 16 KiB socket read's worth of stanzas
    while (read.size() + kMessage.size() <= 16 * 1024) {
      read += kMessage;
    }
    malloc_trim(0);
    const std::size_t before = mallinfo2().uordblks;
    for (int i = 0; i < kParsers; ++i) {
      parsers.push_back(std::make_unique<StreamParser>());
      parsers.back()->feed(kHeader, events);
      parsers.back()->feed(read, events);
      events.clear();
    }
    const std::size_t after = mallinfo2().uordblks;
    per_parser = static_cast<double>(after - before) / kParsers;
    expat_bytes = static_cast<double>(parsers.front()->parserMemoryBytes());
    state.ResumeTiming();
  }
  state.counters["bytes_per_parser"] = per_parser;
  state.counters["expat_bytes"] = expat_bytes;
}
BENCHMARK(BM_IdleParserMemory)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
