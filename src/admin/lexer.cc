// SPDX-License-Identifier: Apache-2.0
#include "admin/lexer.h"

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/errors.h"

// A hand-written, single-pass scanner over the whole script. Statement and item boundaries are
// decided while scanning, so a ';' or newline inside quotes, @( ... ) or @{ ... } never splits a
// statement. Recursion happens only for @( ... ), @{ ... } and ( ... ), and is cut off at
// kMaxNesting levels, so the stack depth is bounded whatever the input.
namespace xfed::admin {
namespace {

// Provisioning scripts for a whole organisation (100,000 Enable-CsUser lines) are ~8 MiB.
constexpr std::size_t kMaxScriptBytes = std::size_t{64} * 1024 * 1024;  // 64 MiB
constexpr int kMaxNesting = 16;
constexpr std::size_t kMaxExcerptBytes = 40;

enum class QuoteKind { None, Single, Double };

struct Quote {
  QuoteKind kind = QuoteKind::None;
  std::size_t length = 0;  // bytes of the quote character (1 for ASCII, 3 for typographic)
};

bool isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameChar(char c) { return isAsciiLetter(c) || isAsciiDigit(c) || c == '_'; }
bool isUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

std::string asciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

/** Bytes of the UTF-8 sequence that starts with `lead` (1 for anything malformed). */
std::size_t utf8Length(char lead) {
  const auto byte = static_cast<unsigned char>(lead);
  if (byte >= 0xF0U && byte <= 0xF7U) {
    return 4;
  }
  if (byte >= 0xE0U) {
    return byte <= 0xEFU ? 3 : 1;
  }
  if (byte >= 0xC0U) {
    return 2;
  }
  return 1;
}

/** `text` shortened to kMaxExcerptBytes (on a UTF-8 boundary), for quoting in messages. */
std::string excerpt(std::string_view text) {
  if (text.size() <= kMaxExcerptBytes) {
    return std::string(text);
  }
  std::size_t cut = kMaxExcerptBytes;
  while (cut > 0 && isUtf8Continuation(text[cut])) {
    --cut;
  }
  return std::string(text.substr(0, cut)) + "...";
}

class Parser {
public:
  explicit Parser(std::string_view text) : text_(text) {}

  core::Result<std::vector<Pipeline>> run() {
    if (text_.size() > kMaxScriptBytes) {
      return core::fail(core::Errc::InvalidArgument,
                        "script is " + std::to_string(text_.size()) + " bytes; the limit is " +
                            std::to_string(kMaxScriptBytes) +
                            " bytes (64 MiB): split it into smaller scripts");
    }
    std::size_t last = text_.find_last_not_of(" \t\r\n\f\v");
    multiline_ = last != std::string_view::npos &&
                 text_.substr(0, last).find('\n') != std::string_view::npos;
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") {  // a UTF-8 byte order mark from an editor
      pos_ = 3;
    }
    std::vector<Pipeline> pipelines;
    while (true) {
      XFED_TRY(skipBlanks(/*newlines=*/true));
      if (pos_ < text_.size() && text_[pos_] == ';') {
        ++pos_;
        continue;
      }
      if (pos_ >= text_.size()) {
        break;
      }
      stmt_start_ = pos_;
      XFED_ASSIGN_OR_RETURN(Pipeline pipeline, parsePipeline());
      pipeline.source = std::string(text_.substr(stmt_start_, last_end_ - stmt_start_));
      pipelines.push_back(std::move(pipeline));
    }
    return pipelines;
  }

private:
  // ---- character classes ----

  bool atEnd() const { return pos_ >= text_.size(); }
  char peek(std::size_t at) const { return at < text_.size() ? text_[at] : '\0'; }

  /** Bytes of the blank at `at`: space, tab, CR, FF, VT or a no-break space; 0 if none. */
  std::size_t blankLength(std::size_t at) const {
    const char c = peek(at);
    if (at >= text_.size()) {
      return 0;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      return 1;
    }
    if (c == '\xC2' && peek(at + 1) == '\xA0') {  // U+00A0, common in text pasted from the web
      return 2;
    }
    return 0;
  }

  /** Bytes of the dash at `at`: '-', or U+2013 en dash, U+2014 em dash, U+2015 bar; else 0. */
  std::size_t dashLength(std::size_t at) const {
    if (peek(at) == '-' && at < text_.size()) {
      return 1;
    }
    if (peek(at) == '\xE2' && peek(at + 1) == '\x80') {
      const char third = peek(at + 2);
      if (third == '\x93' || third == '\x94' || third == '\x95') {
        return 3;
      }
    }
    return 0;
  }

  /** The quote at `at`: ' and U+2018..U+201B are single, " and U+201C..U+201E double. */
  Quote quoteAt(std::size_t at) const {
    const char c = peek(at);
    if (at >= text_.size()) {
      return {};
    }
    if (c == '\'') {
      return {QuoteKind::Single, 1};
    }
    if (c == '"') {
      return {QuoteKind::Double, 1};
    }
    if (c == '\xE2' && peek(at + 1) == '\x80') {
      const char third = peek(at + 2);
      if (third >= '\x98' && third <= '\x9B') {
        return {QuoteKind::Single, 3};
      }
      if (third >= '\x9C' && third <= '\x9E') {
        return {QuoteKind::Double, 3};
      }
    }
    return {};
  }

  /**
   * If a backtick at `at` is the last non-blank character of its line (or of the script),
   * returns the position just past the line break; otherwise 0.
   */
  std::size_t continuationEnd(std::size_t at) const {
    if (peek(at) != '`' || at >= text_.size()) {
      return 0;
    }
    std::size_t p = at + 1;
    while (std::size_t blank = blankLength(p)) {
      p += blank;
    }
    if (p >= text_.size()) {
      return p;
    }
    return text_[p] == '\n' ? p + 1 : 0;
  }

  /** True where a token ends: blank, newline, end, ';', '|', ')', '}' or a line continuation. */
  bool isTokenEnd(std::size_t at) const {
    if (at >= text_.size() || blankLength(at) != 0 || continuationEnd(at) != 0) {
      return true;
    }
    const char c = text_[at];
    return c == '\n' || c == ';' || c == '|' || c == ')' || c == '}';
  }

  bool isValueEnd(std::size_t at) const { return isTokenEnd(at) || peek(at) == ','; }

  bool atStatementEnd() const { return atEnd() || text_[pos_] == '\n' || text_[pos_] == ';'; }

  // ---- messages ----

  /** "column N" (1-based, in characters) or, for a multi-line script, "line L, column N". */
  std::string where(std::size_t at) const {
    at = std::min(at, text_.size());
    const std::size_t newline = at == 0 ? std::string_view::npos : text_.rfind('\n', at - 1);
    const std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    std::size_t column = 1;
    for (std::size_t i = line_start; i < at; ++i) {
      if (!isUtf8Continuation(text_[i])) {
        ++column;
      }
    }
    std::string out = "column " + std::to_string(column);
    if (multiline_) {
      std::size_t line = 1;
      for (std::size_t i = 0; i < line_start; ++i) {
        line += text_[i] == '\n' ? 1 : 0;
      }
      out = "line " + std::to_string(line) + ", " + out;
    }
    return out;
  }

  /** The text from `at` to the next blank, line break or separator, shortened for a message. */
  std::string tokenAt(std::size_t at) const {
    std::size_t end = at;
    while (end < text_.size() && text_[end] != '\n' && blankLength(end) == 0 &&
           std::string_view("|;,)}").find(text_[end]) == std::string_view::npos) {
      ++end;
    }
    if (end == at && at < text_.size()) {
      end = at + utf8Length(text_[at]);
    }
    return excerpt(text_.substr(at, std::min(end, text_.size()) - at));
  }

  /** The text from `at` to the end of its line, shortened for a message. */
  std::string restOfLine(std::size_t at) const {
    std::size_t end = text_.find('\n', at);
    end = end == std::string_view::npos ? text_.size() : end;
    while (end > at && text_[end - 1] == '\r') {
      --end;
    }
    return excerpt(text_.substr(at, end - at));
  }

  static core::Error invalid(std::string message) {
    return core::fail(core::Errc::InvalidArgument, std::move(message));
  }

  core::Error unterminated(std::size_t start, std::string_view what, std::string_view hint) {
    return invalid("unterminated " + std::string(what) + " starting at " + where(start) + ": " +
                   restOfLine(start) + " (" + std::string(hint) + ")");
  }

  core::Error unexpected(std::size_t at, std::string_view hint) {
    return invalid("unexpected '" + tokenAt(at) + "' at " + where(at) + "; " + std::string(hint));
  }

  // ---- blanks, comments, continuations ----

  /**
   * Skips blanks, line continuations, '#' comments (to the end of the line, not the newline
   * itself) and <# block comments #>; also newlines when `newlines` is set.
   */
  core::Result<void> skipBlanks(bool newlines) {
    while (!atEnd()) {
      if (std::size_t blank = blankLength(pos_)) {
        pos_ += blank;
      } else if (std::size_t next = continuationEnd(pos_)) {
        pos_ = next;
      } else if (text_[pos_] == '\n' && newlines) {
        ++pos_;
      } else if (text_[pos_] == '<' && peek(pos_ + 1) == '#') {
        const std::size_t close = text_.find("#>", pos_ + 2);
        if (close == std::string_view::npos) {
          return unterminated(pos_, "block comment", "close it with '#>'");
        }
        pos_ = close + 2;
      } else if (text_[pos_] == '#') {
        const std::size_t newline = text_.find('\n', pos_);
        pos_ = newline == std::string_view::npos ? text_.size() : newline;
      } else {
        break;
      }
    }
    return core::ok();
  }

  // ---- statements ----

  core::Result<Pipeline> parsePipeline() {
    Pipeline pipeline;
    std::size_t pipe_at = std::string_view::npos;
    while (true) {
      XFED_TRY(skipBlanks(/*newlines=*/false));
      if (atStatementEnd()) {
        // run() starts a statement at a non-blank character, so only a '|' can lead here.
        return invalid("'|' at " + where(pipe_at) +
                       " has no command after it; put the next command after the '|' on the "
                       "same line, e.g. Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName "
                       "FedPic");
      }
      if (text_[pos_] == '|') {
        return invalid("'|' at " + where(pos_) +
                       " has no command before it; a pipeline starts with a command, e.g. "
                       "Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic");
      }
      XFED_ASSIGN_OR_RETURN(CommandCall command, parseCommand());
      pipeline.commands.push_back(std::move(command));
      if (atEnd() || text_[pos_] != '|') {
        return pipeline;  // at a newline, ';' or the end: parseCommand() stops only there
      }
      pipe_at = pos_;
      ++pos_;
    }
  }

  core::Result<CommandCall> parseCommand() {
    CommandCall command;
    const std::size_t start = pos_;
    command.offset = start - stmt_start_;
    while (!atEnd() && blankLength(pos_) == 0 && continuationEnd(pos_) == 0 &&
           text_[pos_] != '\n' && text_[pos_] != '|' && text_[pos_] != ';') {
      ++pos_;
    }
    const std::string_view word = text_.substr(start, pos_ - start);
    bool valid = !word.empty() && (isAsciiLetter(word[0]) || word[0] == '_');
    for (std::size_t i = 0; valid && i < word.size();) {
      if (std::size_t dash = dashLength(start + i)) {
        command.name += '-';  // a typographic dash pasted from a web page
        i += dash;
      } else if (isNameChar(word[i])) {
        command.name += word[i];
        ++i;
      } else {
        valid = false;
      }
    }
    if (!valid) {
      return invalid("'" + excerpt(word) + "' at " + where(start) +
                     " is not a command name; a statement starts with a cmdlet name such as "
                     "Get-CsUser (letters, digits, '-' and '_')");
    }
    last_end_ = pos_;
    while (true) {
      XFED_TRY(skipBlanks(/*newlines=*/false));
      if (atStatementEnd() || text_[pos_] == '|') {
        return command;
      }
      if (text_[pos_] == ')') {
        return unexpected(pos_, "it closes nothing: no '(' or '@(' is open");
      }
      if (text_[pos_] == '}') {
        return unexpected(pos_, "it closes nothing: no '@{' is open");
      }
      XFED_ASSIGN_OR_RETURN(Element element, parseElement());
      command.elements.push_back(std::move(element));
      last_end_ = pos_;
    }
  }

  core::Result<Element> parseElement() {
    const std::size_t start = pos_;
    Element element;
    const std::size_t dash = dashLength(start);
    if (dash != 0) {
      const std::size_t second = dashLength(start + dash);
      if (second != 0 && isAsciiLetter(peek(start + dash + second))) {
        return invalid("'" + tokenAt(start) + "' at " + where(start) +
                       " starts with two dashes; a parameter takes one, e.g. -" +
                       tokenAt(start + dash + second));
      }
    }
    if (dash == 0 || !isAsciiLetter(peek(start + dash))) {
      XFED_ASSIGN_OR_RETURN(element.value, parseExpression(0, /*nested=*/false));
      element.kind = Element::Kind::Value;
      element.offset = element.value.offset;
      element.length = element.value.length;
      return element;
    }
    element.kind = Element::Kind::Parameter;
    element.offset = start - stmt_start_;
    pos_ = start + dash;
    while (!atEnd() && isNameChar(text_[pos_])) {
      ++pos_;
    }
    element.name = std::string(text_.substr(start + dash, pos_ - start - dash));
    if (peek(pos_) == ':' && !atEnd()) {
      ++pos_;
      element.has_attached = true;
      XFED_TRY(skipBlanks(/*newlines=*/false));  // "-Name: value" is accepted, as PowerShell does
      if (isTokenEnd(pos_) || peek(pos_) == ',') {
        return invalid("'-" + element.name + ":' at " + where(start) +
                       " needs a value after ':', e.g. -" + element.name + ":$true");
      }
      XFED_ASSIGN_OR_RETURN(element.value, parseExpression(0, /*nested=*/false));
    } else if (!isTokenEnd(pos_)) {
      return invalid("'" + tokenAt(start) + "' at " + where(start) +
                     " is not a valid parameter; write -" + element.name + " value or -" +
                     element.name + ":value");
    }
    element.length = pos_ - start;
    return element;
  }

  // ---- values ----

  /** One value, or a comma-separated list of them as one Array. */
  core::Result<RawValue> parseExpression(int depth, bool nested) {
    XFED_ASSIGN_OR_RETURN(std::vector<RawValue> items, parseItems(depth, nested));
    if (items.size() == 1) {
      return std::move(items.front());
    }
    RawValue array;
    array.kind = RawValue::Kind::Array;
    array.offset = items.front().offset;
    array.length = items.back().offset + items.back().length - array.offset;
    array.items = std::move(items);
    return array;
  }

  /** a, b , c: the items of a comma list (one item when there is no comma). */
  core::Result<std::vector<RawValue>> parseItems(int depth, bool nested) {
    std::vector<RawValue> items;
    while (true) {
      XFED_ASSIGN_OR_RETURN(RawValue item, parseAtom(depth));
      items.push_back(std::move(item));
      const std::size_t after = pos_;
      XFED_TRY(skipBlanks(/*newlines=*/false));
      if (peek(pos_) != ',' || atEnd()) {
        pos_ = after;
        return items;
      }
      const std::size_t comma = pos_;
      ++pos_;
      XFED_TRY(skipBlanks(/*newlines=*/nested));  // inside @( ), @{ }, ( ) a list may wrap
      if (isTokenEnd(pos_) || peek(pos_) == ',') {
        return invalid("',' at " + where(comma) +
                       " has no value after it; remove the ',' or add the next item, e.g. "
                       "a.example.com,b.example.com");
      }
    }
  }

  core::Result<RawValue> parseAtom(int depth) {
    const std::size_t start = pos_;
    const char c = peek(start);
    RawValue value;
    if (quoteAt(start).kind != QuoteKind::None) {
      XFED_ASSIGN_OR_RETURN(value, parseQuoted());
    } else if (c == '$') {
      XFED_ASSIGN_OR_RETURN(value, parseVariable());
    } else if (c == '@' && peek(start + 1) == '(') {
      XFED_ASSIGN_OR_RETURN(value, parseSubArray(depth + 1));
    } else if (c == '@' && peek(start + 1) == '{') {
      XFED_ASSIGN_OR_RETURN(value, parseHash(depth + 1));
    } else if (c == '@' && quoteAt(start + 1).kind != QuoteKind::None) {
      return invalid("here-string '" + tokenAt(start) + "' at " + where(start) +
                     " is not supported; use a single-line 'quoted' or \"quoted\" string");
    } else if (c == '(') {
      XFED_ASSIGN_OR_RETURN(value, parseGroup(depth + 1));
    } else if (c == '{') {
      return invalid("script block '{' at " + where(start) +
                     " is not supported; give the value as a quoted string, or as a hash table "
                     "@{Key = value}");
    } else if (c == ',') {
      return invalid("',' at " + where(start) + " has no value before it; a list is written a,b,c");
    } else {
      return parseBare();
    }
    if (!isValueEnd(pos_)) {
      return invalid("'" + tokenAt(pos_) + "' at " + where(pos_) +
                     " directly follows the value before it; put a space in between, or quote "
                     "the whole value");
    }
    return value;
  }

  /** A bare word; a <placeholder> anywhere in it makes it a Placeholder. */
  core::Result<RawValue> parseBare() {
    const std::size_t start = pos_;
    RawValue value;
    bool placeholder = false;
    while (!atEnd()) {
      const char c = text_[pos_];
      if (c == '\n' || blankLength(pos_) != 0 || c == '|' || c == ';' || c == ',' || c == ')' ||
          c == '}') {
        break;
      }
      if (c == '>') {
        return invalid("redirection is not supported: '" + tokenAt(start) + "' at " + where(start) +
                       "; remove it (xfedctl prints results, it does not redirect them to files)");
      }
      if (c == '<') {
        std::size_t open = 1;
        std::size_t p = pos_ + 1;
        for (; p < text_.size() && text_[p] != '\n'; ++p) {
          if (text_[p] == '<') {
            ++open;
          } else if (text_[p] == '>' && --open == 0) {
            break;
          }
        }
        if (p >= text_.size() || text_[p] != '>') {
          return invalid("unterminated placeholder starting at " + where(pos_) + ": " +
                         restOfLine(pos_) +
                         " (end it with '>', or better, replace the whole <...> with a real "
                         "value)");
        }
        value.text.append(text_.substr(pos_, p + 1 - pos_));
        pos_ = p + 1;
        placeholder = true;
        continue;
      }
      if (quoteAt(pos_).kind != QuoteKind::None) {
        return invalid("quote at " + where(pos_) + " in the middle of '" + tokenAt(start) +
                       "'; quote the whole value instead, e.g. \"O'Brien\" or 'O''Brien'");
      }
      if (c == '`') {
        if (continuationEnd(pos_) != 0) {
          break;
        }
        pos_ = appendEscape(pos_ + 1, value.text);
        continue;
      }
      value.text += c;
      ++pos_;
    }
    if (pos_ == start) {
      return unexpected(start, "expected a value here");
    }
    value.kind = placeholder ? RawValue::Kind::Placeholder : RawValue::Kind::Bare;
    value.offset = start - stmt_start_;
    value.length = pos_ - start;
    return value;
  }

  /** Appends the character escaped by a backtick (at `at` - 1); returns the position after it. */
  std::size_t appendEscape(std::size_t at, std::string& out) const {
    if (at >= text_.size()) {
      return at;
    }
    switch (text_[at]) {
      case '0':
        out += '\0';
        return at + 1;
      case 'a':
        out += '\a';
        return at + 1;
      case 'b':
        out += '\b';
        return at + 1;
      case 'e':
        out += '\x1B';
        return at + 1;
      case 'f':
        out += '\f';
        return at + 1;
      case 'n':
        out += '\n';
        return at + 1;
      case 'r':
        out += '\r';
        return at + 1;
      case 't':
        out += '\t';
        return at + 1;
      case 'v':
        out += '\v';
        return at + 1;
      default: {
        // Any other character stands for itself: `" `' `` `$ `# ...
        const std::size_t length = std::min(utf8Length(text_[at]), text_.size() - at);
        out.append(text_.substr(at, length));
        return at + length;
      }
    }
  }

  core::Result<RawValue> parseQuoted() {
    const std::size_t start = pos_;
    const Quote open = quoteAt(start);
    RawValue value;
    value.kind = RawValue::Kind::Quoted;
    pos_ += open.length;
    while (true) {
      if (atEnd()) {
        return unterminated(start, "string",
                            open.kind == QuoteKind::Single ? "end it with '" : "end it with \"");
      }
      if (open.kind == QuoteKind::Double && text_[pos_] == '`') {
        if (pos_ + 1 >= text_.size()) {
          return unterminated(start, "string", "end it with \"");
        }
        pos_ = appendEscape(pos_ + 1, value.text);
        continue;
      }
      const Quote quote = quoteAt(pos_);
      if (quote.kind == open.kind) {
        const Quote doubled = quoteAt(pos_ + quote.length);
        if (doubled.kind == open.kind) {  // '' inside '...', "" inside "...": one quote
          value.text.append(text_.substr(pos_, quote.length));
          pos_ += quote.length + doubled.length;
          continue;
        }
        pos_ += quote.length;
        break;
      }
      value.text += text_[pos_];
      ++pos_;
    }
    value.offset = start - stmt_start_;
    value.length = pos_ - start;
    return value;
  }

  core::Result<RawValue> parseVariable() {
    const std::size_t start = pos_;
    const char next = peek(start + 1);
    if ((next == '(' || next == '{') && start + 1 < text_.size()) {
      return invalid("'$" + std::string(1, next) + "' at " + where(start) +
                     " is not supported: xfedctl has no expressions; write the value itself");
    }
    std::size_t p = start + 1;
    while (p < text_.size() &&
           (isNameChar(text_[p]) ||
            (text_[p] == ':' && p > start + 1 && isAsciiLetter(peek(p + 1))))) {  // $env:NAME
      ++p;
    }
    if (p == start + 1) {
      return invalid("'" + tokenAt(start) + "' at " + where(start) +
                     ": '$' must be followed by a variable name such as $true, $false or $null");
    }
    RawValue value;
    value.kind = RawValue::Kind::Variable;
    value.text = std::string(text_.substr(start + 1, p - start - 1));
    value.offset = start - stmt_start_;
    value.length = p - start;
    pos_ = p;
    return value;
  }

  core::Error tooDeep(std::size_t at) {
    return invalid("nesting deeper than " + std::to_string(kMaxNesting) + " levels at " +
                   where(at) + " ('" + tokenAt(at) + "'); flatten the value");
  }

  /** @( item, item \n item ) */
  core::Result<RawValue> parseSubArray(int depth) {
    const std::size_t start = pos_;
    if (depth > kMaxNesting) {
      return tooDeep(start);
    }
    RawValue array;
    array.kind = RawValue::Kind::Array;
    pos_ += 2;
    while (true) {
      XFED_TRY(skipBlanks(/*newlines=*/false));
      if (atEnd()) {
        return unterminated(start, "'@('", "close it with ')'");
      }
      const char c = text_[pos_];
      if (c == ')') {
        ++pos_;
        break;
      }
      if (c == '\n' || c == ';') {
        ++pos_;
        continue;
      }
      XFED_ASSIGN_OR_RETURN(std::vector<RawValue> items, parseItems(depth, /*nested=*/true));
      for (RawValue& item : items) {
        array.items.push_back(std::move(item));
      }
      XFED_TRY(skipBlanks(/*newlines=*/false));
      if (!atEnd() && text_[pos_] != ')' && text_[pos_] != '\n' && text_[pos_] != ';') {
        return unexpected(pos_, "inside the '@(' at " + where(start) +
                                    ", separate items with ',' or newlines, and close it "
                                    "with ')'");
      }
    }
    array.offset = start - stmt_start_;
    array.length = pos_ - start;
    return array;
  }

  /** @{ Key = value; Key2 = v1, v2 \n Key3 = v3 } */
  core::Result<RawValue> parseHash(int depth) {
    const std::size_t start = pos_;
    if (depth > kMaxNesting) {
      return tooDeep(start);
    }
    RawValue hash;
    hash.kind = RawValue::Kind::Hash;
    std::set<std::string> seen;  // lower-cased keys: PowerShell hash keys ignore case
    pos_ += 2;
    while (true) {
      XFED_TRY(skipBlanks(/*newlines=*/false));
      if (atEnd()) {
        return unterminated(start, "'@{'", "close it with '}'");
      }
      const char c = text_[pos_];
      if (c == '}') {
        ++pos_;
        break;
      }
      if (c == '\n' || c == ';') {
        ++pos_;
        continue;
      }
      const std::size_t key_start = pos_;
      std::string key;
      if (quoteAt(pos_).kind != QuoteKind::None) {
        XFED_ASSIGN_OR_RETURN(RawValue quoted, parseQuoted());
        key = std::move(quoted.text);
      } else {
        while (!atEnd() && (isNameChar(text_[pos_]) || text_[pos_] == '-' || text_[pos_] == '.')) {
          ++pos_;
        }
        if (pos_ == key_start) {
          return unexpected(pos_, "expected a key inside the '@{' at " + where(start) +
                                      ", e.g. @{Add = \"a.example.com\"}");
        }
        key = std::string(text_.substr(key_start, pos_ - key_start));
      }
      XFED_TRY(skipBlanks(/*newlines=*/false));
      if (atEnd()) {
        return unterminated(start, "'@{'", "close it with '}'");
      }
      if (text_[pos_] != '=') {
        return invalid("hash key '" + excerpt(key) + "' at " + where(key_start) +
                       " must be followed by '=' and a value, e.g. @{" + excerpt(key) +
                       " = \"value\"}; found '" + tokenAt(pos_) + "'");
      }
      const std::size_t equals = pos_;
      ++pos_;
      XFED_TRY(skipBlanks(/*newlines=*/true));
      if (atEnd()) {
        return unterminated(start, "'@{'", "close it with '}'");
      }
      if (isTokenEnd(pos_) || text_[pos_] == ',') {
        return invalid("'" + excerpt(key) + " =' at " + where(equals) +
                       " needs a value after '=', e.g. @{" + excerpt(key) + " = \"value\"}");
      }
      XFED_ASSIGN_OR_RETURN(RawValue value, parseExpression(depth, /*nested=*/true));
      if (!seen.insert(asciiLower(key)).second) {
        return invalid("duplicate key '" + excerpt(key) + "' at " + where(key_start) +
                       " in the '@{' at " + where(start) + "; give each key once");
      }
      hash.entries.push_back({std::move(key), std::move(value)});
      XFED_TRY(skipBlanks(/*newlines=*/false));
      if (!atEnd() && text_[pos_] != '}' && text_[pos_] != '\n' && text_[pos_] != ';') {
        return unexpected(pos_, "inside the '@{' at " + where(start) +
                                    ", separate entries with ';' or newlines, and close it "
                                    "with '}'");
      }
    }
    hash.offset = start - stmt_start_;
    hash.length = pos_ - start;
    return hash;
  }

  /** ( value ) or ( a, b ): grouping; a list inside becomes an Array. */
  core::Result<RawValue> parseGroup(int depth) {
    const std::size_t start = pos_;
    if (depth > kMaxNesting) {
      return tooDeep(start);
    }
    ++pos_;
    XFED_TRY(skipBlanks(/*newlines=*/true));
    if (atEnd()) {
      return unterminated(start, "'('", "close it with ')'");
    }
    if (text_[pos_] == ')') {
      return invalid("'()' at " + where(start) + " is empty; write @() for an empty list");
    }
    XFED_ASSIGN_OR_RETURN(RawValue value, parseExpression(depth, /*nested=*/true));
    XFED_TRY(skipBlanks(/*newlines=*/true));
    if (atEnd()) {
      return unterminated(start, "'('", "close it with ')'");
    }
    if (text_[pos_] != ')') {
      return unexpected(pos_, "inside the '(' at " + where(start) +
                                  ", separate items with ',' and close it with ')' (commands "
                                  "inside '(' ... ')' are not supported)");
    }
    ++pos_;
    value.offset = start - stmt_start_;
    value.length = pos_ - start;
    return value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t stmt_start_ = 0;  // where the current statement's first token starts
  std::size_t last_end_ = 0;    // end of the current statement's last token
  bool multiline_ = false;      // messages then say "line L, column N"
};

}  // namespace

core::Result<std::vector<Pipeline>> parseScript(std::string_view text) {
  return Parser(text).run();
}

}  // namespace xfed::admin
