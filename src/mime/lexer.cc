#include "mime/lexer.h"

namespace redoubt::mime {

void Lexer::skip_cfws() { skip_cfws_keep_comment(); }

std::string_view Lexer::skip_cfws_keep_comment() {
  std::string_view comment;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (is_wsp_or_break(c)) {
      ++pos_;
      continue;
    }
    if (c != '(') break;
    // RFC 5322 §3.2.2: comment = "(" *([FWS] ccontent) [FWS] ")", ccontent includes comment.
    std::size_t start = ++pos_;
    std::size_t depth = 1;
    while (pos_ < text_.size() && depth > 0) {
      char d = text_[pos_++];
      if (d == '\\') {
        if (pos_ < text_.size()) ++pos_;  // quoted-pair
      } else if (d == '(') {
        ++depth;
      } else if (d == ')') {
        --depth;
      }
    }
    std::size_t stop = depth == 0 ? pos_ - 1 : pos_;
    if (comment.empty()) comment = text_.substr(start, stop - start);
  }
  return comment;
}

bool Lexer::consume(char c) {
  skip_cfws();
  if (pos_ < text_.size() && text_[pos_] == c) {
    ++pos_;
    return true;
  }
  return false;
}

std::string_view Lexer::take_token() {
  skip_cfws();
  std::size_t start = pos_;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 32 || u == 127 || is_tspecial(c)) break;
    ++pos_;
  }
  return text_.substr(start, pos_ - start);
}

std::string_view Lexer::take_atom(bool allow_dots) {
  skip_cfws();
  std::size_t start = pos_;
  while (pos_ < text_.size() && (is_atext(text_[pos_]) || (allow_dots && text_[pos_] == '.'))) {
    ++pos_;
  }
  return text_.substr(start, pos_ - start);
}

std::string_view Lexer::take_quoted() {
  ++pos_;  // the opening DQUOTE
  std::size_t start = pos_;
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '\\') {
      pos_ += pos_ + 1 < text_.size() ? 2 : 1;  // RFC 5322 §3.2.1 quoted-pair
      continue;
    }
    if (c == '"') {
      std::string_view inner = text_.substr(start, pos_ - start);
      ++pos_;
      return inner;
    }
    ++pos_;
  }
  return text_.substr(start);
}

std::string_view Lexer::take_domain_literal() {
  std::size_t start = pos_++;
  while (pos_ < text_.size()) {
    char c = text_[pos_++];
    if (c == '\\' && pos_ < text_.size()) {
      ++pos_;
    } else if (c == ']') {
      break;
    }
  }
  return text_.substr(start, pos_ - start);
}

bool needs_unquoting(std::string_view raw) {
  return raw.find_first_of("\\\r\n") != std::string_view::npos;
}

void append_unquoted(std::string_view raw, std::string& out) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      out.push_back(raw[++i]);
    } else if (c != '\r' && c != '\n') {
      out.push_back(c);
    }
  }
}

}  // namespace redoubt::mime
