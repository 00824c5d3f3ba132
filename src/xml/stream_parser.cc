// SPDX-License-Identifier: Apache-2.0
#include "xml/stream_parser.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include <expat.h>

namespace xfed::xml {
namespace {

// Expat reports a namespaced name as "<uri><separator><local>". U+0001 is not an XML 1.0
// character, so neither a URI nor a name can contain it: the first one found is the split.
constexpr XML_Char kNamespaceSeparator = '\x01';

// Children reserved on a stanza's first child element (see onStart).
constexpr std::size_t kStanzaChildrenReserve = 4;

struct SplitName {
  std::string_view ns;
  std::string_view local;
};

SplitName splitName(const XML_Char* name) {
  // One pass over the (short) name finds both the separator and, without one, the end.
  const XML_Char* p = name;
  while (*p != '\0' && *p != kNamespaceSeparator) {
    ++p;
  }
  const std::string_view first(name, static_cast<std::size_t>(p - name));
  if (*p == '\0') {
    return {{}, first};
  }
  return {first, std::string_view(p + 1)};
}

bool isXmlWhitespace(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::string qualifiedName(SplitName name) {
  if (name.ns.empty()) {
    return std::string(name.local);
  }
  std::string out;
  out.reserve(name.ns.size() + name.local.size() + 2);
  out += '{';
  out += name.ns;
  out += '}';
  out += name.local;
  return out;
}

bool iequalsAscii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// ------------------------------------------------------------------------ expat's heap, counted

/**
 * The heap expat holds for one parser. Expat's memory suite has no user-data argument, so the
 * account in effect is a thread-local set around every expat call that may allocate or free
 * (create, parse, free): expat never allocates outside such a call.
 */
struct ExpatMemory {
  std::size_t bytes = 0;  // requested sizes of the blocks expat holds now
  std::size_t limit = 0;
  bool refused = false;  // an allocation was refused because of `limit`
};

thread_local ExpatMemory* t_account = nullptr;

class AccountScope {
public:
  explicit AccountScope(ExpatMemory& account) : previous_(t_account) { t_account = &account; }
  ~AccountScope() { t_account = previous_; }
  AccountScope(const AccountScope&) = delete;
  AccountScope& operator=(const AccountScope&) = delete;

private:
  ExpatMemory* previous_;
};

// Each block starts with its size, padded so the caller's part stays maximally aligned.
constexpr std::size_t kBlockHeader = alignof(std::max_align_t);

std::size_t blockSize(void* user) {
  std::size_t size = 0;
  std::memcpy(&size, static_cast<char*>(user) - kBlockHeader, sizeof size);
  return size;
}

bool allowGrowth(ExpatMemory* account, std::size_t growth) {
  if (account == nullptr || account->bytes + growth <= account->limit) {
    return true;
  }
  account->refused = true;  // expat then fails with XML_ERROR_NO_MEMORY
  return false;
}

void* countedMalloc(std::size_t size) {
  ExpatMemory* account = t_account;
  if (!allowGrowth(account, size)) {
    return nullptr;
  }
  void* block = std::malloc(size + kBlockHeader);
  if (block == nullptr) {
    return nullptr;
  }
  std::memcpy(block, &size, sizeof size);
  if (account != nullptr) {
    account->bytes += size;
  }
  return static_cast<char*>(block) + kBlockHeader;
}

void countedFree(void* user) {
  if (user == nullptr) {
    return;
  }
  if (t_account != nullptr) {
    t_account->bytes -= blockSize(user);
  }
  std::free(static_cast<char*>(user) - kBlockHeader);
}

void* countedRealloc(void* user, std::size_t size) {
  if (user == nullptr) {
    return countedMalloc(size);
  }
  ExpatMemory* account = t_account;
  const std::size_t old_size = blockSize(user);
  if (size > old_size && !allowGrowth(account, size - old_size)) {
    return nullptr;
  }
  void* block = std::realloc(static_cast<char*>(user) - kBlockHeader, size + kBlockHeader);
  if (block == nullptr) {
    return nullptr;  // the old block is untouched
  }
  std::memcpy(block, &size, sizeof size);
  if (account != nullptr) {
    account->bytes = account->bytes - old_size + size;
  }
  return static_cast<char*>(block) + kBlockHeader;
}

constexpr XML_Memory_Handling_Suite kCountedMemory = {&countedMalloc, &countedRealloc,
                                                      &countedFree};

class ErrorCategory : public std::error_category {
public:
  const char* name() const noexcept override { return "xfed.xml"; }
  std::string message(int value) const override {
    return std::string(errorKindName(static_cast<ErrorKind>(value)));
  }
};

}  // namespace

std::string_view errorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::NotWellFormed:
      return "not-well-formed";
    case ErrorKind::RestrictedXml:
      return "restricted-xml";
    case ErrorKind::StanzaTooLarge:
      return "stanza-too-large";
    case ErrorKind::TooDeep:
      return "too-deep";
    case ErrorKind::TooManyAttributes:
      return "too-many-attributes";
    case ErrorKind::InvalidNamespace:
      return "invalid-namespace";
    case ErrorKind::BadFormat:
      return "bad-format";
    case ErrorKind::UnsupportedEncoding:
      return "unsupported-encoding";
    case ErrorKind::ResourceConstraint:
      return "resource-constraint";
  }
  return "unknown";
}

const std::error_category& errorCategory() noexcept {
  static const ErrorCategory category;
  return category;
}

struct StreamParser::Impl {
  explicit Impl(Limits l) : limits(l) { start(); }
  ~Impl() { freeExpat(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // ------------------------------------------------------------------------------- lifecycle

  void start() {
    freeExpat();
    state = State::AwaitingHeader;
    stopped = false;
    pending_error.reset();
    header = StreamOpened{};
    stanza = Element();
    open.clear();
    nodes = 0;
    parsed = 0;
    mark = 0;
    stanza_start = 0;
    memory.refused = false;
    memory.limit = limits.max_parser_bytes;
    // Forcing UTF-8 makes expat ignore a declared encoding; onXmlDecl refuses any other one.
    const XML_Char separator[] = {kNamespaceSeparator, '\0'};
    {
      AccountScope scope(memory);
      parser = XML_ParserCreate_MM("UTF-8", &kCountedMemory, separator);
    }
    if (parser == nullptr) {
      return;  // reported by the next feed() as ResourceConstraint
    }
    XML_SetUserData(parser, this);
    XML_SetElementHandler(parser, &Impl::onStart, &Impl::onEnd);
    XML_SetCharacterDataHandler(parser, &Impl::onText);
    XML_SetNamespaceDeclHandler(parser, &Impl::onNamespaceDecl, nullptr);
    XML_SetXmlDeclHandler(parser, &Impl::onXmlDecl);
    // RFC 6120 §11.1: refuse each restricted construct as soon as expat sees it. Refusing the
    // DOCTYPE at its start means no entity is ever declared, so entity expansion attacks
    // (billion laughs, external entities) cannot start.
    XML_SetStartDoctypeDeclHandler(parser, &Impl::onDoctype);
    XML_SetEntityDeclHandler(parser, &Impl::onEntityDecl);
    XML_SetProcessingInstructionHandler(parser, &Impl::onProcessingInstruction);
    XML_SetCommentHandler(parser, &Impl::onComment);
#if defined(XFED_EXPAT_HAS_REPARSE_DEFERRAL)
    // Expat 2.6 (and Debian 12's 2.5.0 since its CVE-2023-52425 fix, deb12u2) may defer parsing
    // an incomplete token until much more data arrives; a stanza completed by a small read
    // would then wait for the next one. We bound token sizes ourselves. Detected by CMake, not
    // by version number, because of that backport.
    XML_SetReparseDeferralEnabled(parser, XML_FALSE);
#endif
  }

  void freeExpat() {
    if (parser != nullptr) {
      AccountScope scope(memory);
      XML_ParserFree(parser);
      parser = nullptr;
    }
  }

  // ------------------------------------------------------------------------------------ feed

  void feed(std::string_view bytes, std::vector<StreamEvent>& events) {
    if (state == State::Closed || state == State::Failed || bytes.empty()) {
      return;
    }
    if (parser == nullptr) {
      events.emplace_back(Error{ErrorKind::ResourceConstraint, "cannot allocate an XML parser"});
      state = State::Failed;
      return;
    }
    out = &events;
    whitespace_reported = false;
    while (!bytes.empty()) {
      // The item under way (the header, or a depth-1 element) is everything since the last
      // complete one. Expat gets at most the rest of its allowance, so an item that never ends
      // is cut off at the limit instead of being buffered whole. An item that starts inside a
      // piece is checked when it ends (onEnd) or, if still open, after the piece.
      if (parsed - mark >= currentLimit()) {
        failOverLimit();
        break;
      }
      std::size_t piece = static_cast<std::size_t>(std::min<std::uint64_t>(
          {bytes.size(), currentLimit() - (parsed - mark), kMaxSliceBytes}));
      if (parsed < 2) {
        if (isUtf16Start(static_cast<unsigned char>(bytes[0]))) {
          break;
        }
        piece = 1;  // see isUtf16Start
      }
      XML_Status status = XML_STATUS_OK;
      {
        AccountScope scope(memory);
        in_parse = true;
        status = XML_Parse(parser, bytes.data(), static_cast<int>(piece), XML_FALSE);
        in_parse = false;
      }
      parsed += piece;
      bytes.remove_prefix(piece);
      if (status != XML_STATUS_OK) {
        onParseStopped();
        break;
      }
      if (state != State::Closed && parsed - mark > currentLimit()) {
        failOverLimit();
        break;
      }
    }
    if (pending_error) {
      events.emplace_back(std::move(*pending_error));
      pending_error.reset();
    }
    out = nullptr;
    if (state == State::Closed || state == State::Failed) {
      freeExpat();  // nothing more will be parsed; give the memory back now
      open.clear();
      stanza = Element();
    }
  }

  std::uint64_t currentLimit() const {
    return state == State::AwaitingHeader ? limits.max_header_bytes : limits.max_stanza_bytes;
  }

  void failOverLimit() {
    const bool in_header = state == State::AwaitingHeader;
    fail(ErrorKind::StanzaTooLarge, std::string(in_header ? "stream header" : "stanza") +
                                        " exceeds " + std::to_string(currentLimit()) + " bytes");
  }

  /**
   * RFC 6120 §11.6: UTF-8 only. Expat detects UTF-16 from a byte order mark or a zero byte among
   * the first two bytes, even when told the input is UTF-8, and would then parse it; so each of
   * those bytes is checked here, `c` being the byte at stream offset `parsed`. Neither 0xFE,
   * 0xFF nor 0x00 can start a UTF-8 XML document. feed() hands expat the first two bytes one at
   * a time, so that what expat decides on the first byte alone comes first however the input
   * was split.
   */
  bool isUtf16Start(unsigned char c) {
    if (c == 0x00 || (parsed == 0 && (c == 0xFE || c == 0xFF))) {
      fail(ErrorKind::UnsupportedEncoding, "the stream is not UTF-8 (UTF-16 or a BOM for it)");
      return true;
    }
    return false;
  }

  /** XML_Parse returned an error: either a handler stopped it, or expat found the error. */
  void onParseStopped() {
    if (state == State::Closed || pending_error) {
      return;  // stopped by a handler, which recorded why
    }
    const XML_Error code = XML_GetErrorCode(parser);
    ErrorKind kind = ErrorKind::NotWellFormed;
    switch (code) {
      case XML_ERROR_UNDEFINED_ENTITY:
        kind = ErrorKind::RestrictedXml;  // §11.1: no entity references but the predefined ones
        break;
      case XML_ERROR_NO_MEMORY:
        if (memory.refused) {
          fail(ErrorKind::ResourceConstraint, "the parser reached its memory limit of " +
                                                  std::to_string(limits.max_parser_bytes) +
                                                  " bytes");
          return;
        }
        kind = ErrorKind::ResourceConstraint;
        break;
      case XML_ERROR_UNKNOWN_ENCODING:
      case XML_ERROR_INCORRECT_ENCODING:
        kind = ErrorKind::UnsupportedEncoding;
        break;
      default:
        break;
    }
    std::string text = XML_ErrorString(code);
    text += " at line " + std::to_string(XML_GetCurrentLineNumber(parser)) + ", column " +
            std::to_string(XML_GetCurrentColumnNumber(parser) + 1);  // expat counts from 0
    fail(kind, std::move(text));
  }

  /** Records the first error and stops expat (from a handler) or the feed loop. */
  void fail(ErrorKind kind, std::string text) {
    if (!pending_error) {
      pending_error = Error{kind, std::move(text)};
    }
    state = State::Failed;
    stopHandlers();
  }

  void stopHandlers() {
    stopped = true;
    if (in_parse) {
      XML_StopParser(parser, XML_FALSE);  // only valid from inside a handler
    }
  }

  /** The stream offset just past the event expat is reporting. */
  std::uint64_t eventEnd() const {
    return static_cast<std::uint64_t>(XML_GetCurrentByteIndex(parser)) +
           static_cast<std::uint64_t>(XML_GetCurrentByteCount(parser));
  }

  // -------------------------------------------------------------------------------- handlers

  static Impl& self(void* user_data) { return *static_cast<Impl*>(user_data); }

  static void XMLCALL onStart(void* user_data, const XML_Char* name, const XML_Char** atts) {
    Impl& p = self(user_data);
    if (p.stopped) {
      return;
    }
    std::size_t attribute_count = 0;
    while (atts[2 * attribute_count] != nullptr) {
      ++attribute_count;
    }
    const SplitName qname = splitName(name);
    if (attribute_count > p.limits.max_attributes) {
      p.fail(ErrorKind::TooManyAttributes,
             "<" + qualifiedName(qname) + "> has " + std::to_string(attribute_count) +
                 " attributes; the limit is " + std::to_string(p.limits.max_attributes));
      return;
    }
    if (p.state == State::AwaitingHeader) {
      p.openStream(qname, atts, attribute_count);
      return;
    }
    const std::size_t depth = p.open.size() + 1;  // the root is depth 0
    if (depth > p.limits.max_depth) {
      p.fail(ErrorKind::TooDeep,
             "elements nested deeper than " + std::to_string(p.limits.max_depth) + " levels");
      return;
    }
    p.nodes += 1 + attribute_count;
    if (p.nodes > p.limits.max_stanza_nodes) {
      p.failTooManyNodes();
      return;
    }
    Element* element = nullptr;
    if (p.open.empty()) {
      p.stanza_start = static_cast<std::uint64_t>(XML_GetCurrentByteIndex(p.parser));
      p.stanza = Element(qname.ns, qname.local);
      element = &p.stanza;
    } else {
      // The parent is the innermost open element; only its children vector grows, so the
      // pointers to the other open elements (its ancestors) stay valid.
      Element& parent = *p.open.back();
      if (p.open.size() == 1 && parent.nodes().empty()) {
        // A stanza usually has a few children (body, thread, chat state, delay): one allocation
        // for them instead of three as the vector grows 1, 2, 4.
        parent.reserveChildren(kStanzaChildrenReserve);
      }
      element = &parent.addChild(Element(qname.ns, qname.local));
    }
    addAttributes(*element, atts, attribute_count);
    p.open.push_back(element);
  }

  static void addAttributes(Element& element, const XML_Char** atts, std::size_t count) {
    if (count == 0) {
      return;
    }
    element.reserveAttributes(count);
    for (std::size_t i = 0; i < count; ++i) {
      const SplitName an = splitName(atts[2 * i]);
      element.appendAttribute(an.ns, an.local, atts[2 * i + 1]);
    }
  }

  void openStream(SplitName qname, const XML_Char** atts, std::size_t attribute_count) {
    if (qname.ns != kStreamsNamespace || qname.local != "stream") {
      fail(ErrorKind::InvalidNamespace, "the root element is <" + qualifiedName(qname) +
                                            ">, not <{" + std::string(kStreamsNamespace) +
                                            "}stream>");
      return;
    }
    // Declarations below the root are not part of the stream's context; stop collecting.
    XML_SetNamespaceDeclHandler(parser, nullptr, nullptr);
    header.root = Element(qname.ns, qname.local);
    addAttributes(header.root, atts, attribute_count);
    state = State::Open;
    mark = eventEnd();
    out->emplace_back(std::move(header));
    header = StreamOpened{};
  }

  static void XMLCALL onEnd(void* user_data, const XML_Char* /*name*/) {
    Impl& p = self(user_data);
    if (p.stopped) {
      return;
    }
    if (p.open.empty()) {
      // </stream:stream>: the stream is over; whatever follows is not ours to parse.
      p.state = State::Closed;
      p.out->emplace_back(StreamClosed{});
      p.stopHandlers();
      return;
    }
    p.open.pop_back();
    if (p.open.empty()) {
      const std::uint64_t end = p.eventEnd();
      if (end - p.stanza_start > p.limits.max_stanza_bytes) {
        p.failOverLimit();  // began and ended inside one piece (see feed)
        return;
      }
      p.out->emplace_back(ElementReceived{std::move(p.stanza),
                                          static_cast<std::size_t>(end - p.stanza_start), end});
      p.mark = end;
      p.nodes = 0;
    }
  }

  static void XMLCALL onText(void* user_data, const XML_Char* s, int len) {
    Impl& p = self(user_data);
    if (p.stopped) {
      return;
    }
    const std::string_view text(s, static_cast<std::size_t>(len));
    if (p.open.empty()) {
      // Depth 1, between stanzas (expat reports no text outside the root).
      if (!isXmlWhitespace(text)) {
        p.fail(ErrorKind::BadFormat, "text between stanzas");
        return;
      }
      p.mark = p.eventEnd();
      if (!p.whitespace_reported) {
        p.whitespace_reported = true;
        p.out->emplace_back(Whitespace{});
      }
      return;
    }
    Element& element = *p.open.back();
    const bool extends_text = !element.nodes().empty() && element.nodes().back().isText();
    if (!extends_text && ++p.nodes > p.limits.max_stanza_nodes) {
      p.failTooManyNodes();
      return;
    }
    element.addText(text);
  }

  void failTooManyNodes() {
    fail(ErrorKind::StanzaTooLarge, "stanza has more than " +
                                        std::to_string(limits.max_stanza_nodes) +
                                        " elements, text nodes and attributes");
  }

  static void XMLCALL onNamespaceDecl(void* user_data, const XML_Char* prefix,
                                      const XML_Char* uri) {
    Impl& p = self(user_data);
    if (p.stopped || p.state != State::AwaitingHeader) {
      return;
    }
    std::string ns = uri != nullptr ? std::string(uri) : std::string();
    if (prefix == nullptr) {
      p.header.default_ns = std::move(ns);
    } else {
      p.header.prefixes.push_back(NamespaceDecl{std::string(prefix), std::move(ns)});
    }
  }

  static void XMLCALL onXmlDecl(void* user_data, const XML_Char* /*version*/,
                                const XML_Char* encoding, int /*standalone*/) {
    Impl& p = self(user_data);
    if (p.stopped) {
      return;
    }
    // RFC 6120 §11.6: UTF-8 only.
    if (encoding != nullptr && !iequalsAscii(encoding, "UTF-8")) {
      p.fail(ErrorKind::UnsupportedEncoding,
             "the XML declaration names encoding '" + std::string(encoding) + "', not UTF-8");
    }
  }

  static void XMLCALL onDoctype(void* user_data, const XML_Char* /*name*/,
                                const XML_Char* /*sysid*/, const XML_Char* /*pubid*/,
                                int /*has_internal_subset*/) {
    self(user_data).fail(ErrorKind::RestrictedXml, "a DOCTYPE declaration");
  }

  static void XMLCALL onEntityDecl(void* user_data, const XML_Char* /*name*/,
                                   int /*is_parameter_entity*/, const XML_Char* /*value*/,
                                   int /*value_length*/, const XML_Char* /*base*/,
                                   const XML_Char* /*system_id*/, const XML_Char* /*public_id*/,
                                   const XML_Char* /*notation_name*/) {
    self(user_data).fail(ErrorKind::RestrictedXml, "an entity declaration");
  }

  static void XMLCALL onProcessingInstruction(void* user_data, const XML_Char* /*target*/,
                                              const XML_Char* /*data*/) {
    self(user_data).fail(ErrorKind::RestrictedXml, "a processing instruction");
  }

  static void XMLCALL onComment(void* user_data, const XML_Char* /*data*/) {
    self(user_data).fail(ErrorKind::RestrictedXml, "a comment");
  }

  // ----------------------------------------------------------------------------------- state

  Limits limits;
  ExpatMemory memory;
  XML_Parser parser = nullptr;
  State state = State::AwaitingHeader;
  bool in_parse = false;             // inside XML_Parse, so handlers are running
  bool stopped = false;              // XML_StopParser called: expat may still call a handler or two
  bool whitespace_reported = false;  // a Whitespace event was appended by this feed() call
  std::optional<Error> pending_error;
  std::vector<StreamEvent>* out = nullptr;  // the caller's vector, during feed() only

  StreamOpened header;         // collected until the root start tag completes
  Element stanza;              // the depth-1 element being built
  std::vector<Element*> open;  // open elements below the root; open[0] is &stanza
  std::size_t nodes = 0;       // nodes of `stanza` so far

  std::uint64_t parsed = 0;        // bytes handed to expat
  std::uint64_t mark = 0;          // stream offset just past the last complete item
  std::uint64_t stanza_start = 0;  // stream offset of the '<' of `stanza`
};

StreamParser::StreamParser(Limits limits) : impl_(std::make_unique<Impl>(limits)) {}
StreamParser::~StreamParser() = default;
StreamParser::StreamParser(StreamParser&&) noexcept = default;
StreamParser& StreamParser::operator=(StreamParser&&) noexcept = default;

void StreamParser::feed(std::string_view bytes, std::vector<StreamEvent>& events) {
  impl_->feed(bytes, events);
}

std::vector<StreamEvent> StreamParser::feed(std::string_view bytes) {
  std::vector<StreamEvent> events;
  impl_->feed(bytes, events);
  return events;
}

void StreamParser::reset() { impl_->start(); }

StreamParser::State StreamParser::state() const { return impl_->state; }

const Limits& StreamParser::limits() const { return impl_->limits; }

std::uint64_t StreamParser::bytesParsed() const { return impl_->parsed; }

std::size_t StreamParser::parserMemoryBytes() const { return impl_->memory.bytes; }

}  // namespace xfed::xml
