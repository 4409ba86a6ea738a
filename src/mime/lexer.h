#pragma once

// RFC 5322 §3.2 lexical tokens (CFWS, atoms, quoted strings) and RFC 2045 §5.1 tokens, read
// from a raw field body in place. Folding line breaks count as whitespace, so no field has to be
// unfolded (copied) before it is tokenized. Never allocates.

#include <cstddef>
#include <string>
#include <string_view>

namespace redoubt::mime {

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }
  std::size_t position() const { return pos_; }
  // REQUIRES: position <= the text's size. Used to undo a look-ahead.
  void set_position(std::size_t position) { pos_ = position; }
  // REQUIRES: !at_end().
  char peek() const { return text_[pos_]; }
  void advance(std::size_t n = 1) { pos_ = pos_ + n > text_.size() ? text_.size() : pos_ + n; }
  std::string_view rest() const { return text_.substr(pos_); }

  // RFC 5322 §3.2.2 CFWS: whitespace, folding and comments. Comments nest; the nesting is
  // counted, not recursed. An unterminated comment runs to the end.
  void skip_cfws();
  // Like skip_cfws(), but returns the text of the comments it skipped, without the outermost
  // parentheses (used for the obsolete "addr (Display Name)" form). Views `text`, so nested
  // parentheses and quoted-pairs appear raw.
  std::string_view skip_cfws_keep_comment();
  // Skips CFWS, then consumes `c` if it is next.
  bool consume(char c);

  // RFC 2045 §5.1 token: 1*<any CHAR except SPACE, CTLs and tspecials>; 8-bit bytes are
  // accepted too, as real mail has them. Empty if none. Skips CFWS before it.
  std::string_view take_token();
  // RFC 5322 §3.2.3 atext run, plus 8-bit bytes (RFC 6532 §3.2 UTF-8 atext). With
  // `allow_dots`, a dot-atom (and obs-local-part's stray dots). Skips CFWS before it.
  std::string_view take_atom(bool allow_dots);
  // RFC 5322 §3.2.4 quoted-string. REQUIRES: peek() == '"'. Returns the raw text between the
  // quotes (quoted-pairs and folds still in it; see append_unquoted). Unterminated: to the end.
  std::string_view take_quoted();
  // RFC 5322 §3.4.1 domain-literal, brackets included. REQUIRES: peek() == '['.
  std::string_view take_domain_literal();

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Appends a quoted-string's raw content to `out` with quoted-pairs resolved (RFC 5322 §3.2.1)
// and folds removed (RFC 5322 §3.2.4: CRLF in FWS is not part of the value).
void append_unquoted(std::string_view raw, std::string& out);
// True if `raw` needs append_unquoted (has a backslash or a line break).
bool needs_unquoting(std::string_view raw);

// RFC 2045 §5.1 tspecials.
constexpr bool is_tspecial(char c) {
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
      return true;
    default:
      return false;
  }
}

// RFC 5322 §3.2.3 atext, extended with 8-bit bytes (RFC 6532 §3.2).
constexpr bool is_atext(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

constexpr bool is_wsp_or_break(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace redoubt::mime
