#include "mime/address.h"

#include "mime/lexer.h"
#include "mime/rfc2047.h"

namespace redoubt::mime {
namespace {

bool is_word_start(char c) { return c == '"' || c == '.' || is_atext(c); }

// Renders a run of words (atoms, quoted strings, dots) as a phrase (RFC 5322 §3.2.5, with
// obs-phrase's dots): one space where there was CFWS between words.
std::string render_phrase(std::string_view span) {
  std::string out;
  Lexer in(span);
  while (true) {
    std::size_t before = in.position();
    in.skip_cfws();
    if (in.at_end()) break;
    bool spaced = in.position() != before && !out.empty();
    char c = in.peek();
    if (spaced) out.push_back(' ');
    if (c == '"') {
      append_unquoted(in.take_quoted(), out);
    } else if (c == '.') {
      out.push_back('.');
      in.advance();
    } else if (is_atext(c)) {
      out.append(in.take_atom(false));
    } else {
      in.advance();  // cannot happen for spans built by collect_words; stay safe
    }
  }
  return out;
}

// Renders a run of words as a local part (RFC 5322 §3.4.1, obs-local-part §4.4): CFWS dropped.
std::string render_local_part(std::string_view span) {
  std::string out;
  Lexer in(span);
  while (true) {
    in.skip_cfws();
    if (in.at_end()) break;
    char c = in.peek();
    if (c == '"') {
      append_unquoted(in.take_quoted(), out);
    } else if (is_atext(c) || c == '.') {
      out.append(in.take_atom(true));
    } else {
      in.advance();
    }
  }
  return out;
}

// Reads words up to the next special; returns the span they cover (may be empty).
std::string_view collect_words(Lexer& in, std::string_view text) {
  in.skip_cfws();
  std::size_t start = in.position();
  std::size_t end = start;
  while (true) {
    in.skip_cfws();
    if (in.at_end() || !is_word_start(in.peek())) break;
    if (in.peek() == '"') {
      in.take_quoted();
    } else if (in.peek() == '.') {
      in.advance();
    } else {
      in.take_atom(false);
    }
    end = in.position();
  }
  return text.substr(start, end - start);
}

// RFC 5322 §3.4.1 domain = dot-atom / domain-literal / obs-domain.
std::string read_domain(Lexer& in) {
  in.skip_cfws();
  if (!in.at_end() && in.peek() == '[') return std::string(in.take_domain_literal());
  std::string out;
  while (true) {
    // CFWS is part of the domain only when more domain follows (obs-domain), so that a comment
    // after it stays available to the caller (the obsolete "addr (Name)" form).
    std::size_t before = in.position();
    in.skip_cfws();
    if (in.at_end()) {
      in.set_position(before);
      break;
    }
    char c = in.peek();
    if (c == '.') {
      out.push_back('.');
      in.advance();
    } else if (is_atext(c) && (out.empty() || out.back() == '.')) {
      out.append(in.take_atom(false));
    } else {
      in.set_position(before);
      break;
    }
  }
  return out;
}

// RFC 5322 §3.4 angle-addr = [CFWS] "<" [obs-route] addr-spec ">" [CFWS]; called after "<".
void read_angle_addr(Lexer& in, std::string_view text, Address& a) {
  in.skip_cfws();
  // RFC 5322 §4.4 obs-route = obs-domain-list ":" ; obs-domain-list = *(CFWS / ",") "@" domain
  //                           *("," [CFWS] ["@" domain])
  if (!in.at_end() && (in.peek() == '@' || in.peek() == ',')) {
    while (!in.at_end()) {
      in.skip_cfws();
      if (in.at_end()) break;
      char c = in.peek();
      if (c == '@') {
        in.advance();
        if (!a.route.empty()) a.route.push_back(',');
        a.route.push_back('@');
        a.route += read_domain(in);
      } else if (c == ',') {
        in.advance();
      } else {
        if (c == ':') in.advance();
        break;
      }
    }
  }
  a.mailbox = render_local_part(collect_words(in, text));
  if (in.consume('@')) a.domain = read_domain(in);
  // Skip to the closing '>' (junk inside the brackets is dropped).
  while (true) {
    in.skip_cfws();
    if (in.at_end()) break;
    char c = in.peek();
    if (c == '>') {
      in.advance();
      break;
    }
    if (c == '"') {
      in.take_quoted();
    } else if (c == ',' || c == ';') {
      break;  // unclosed bracket: do not swallow the next address
    } else {
      in.advance();
    }
  }
}

void skip_to_separator(Lexer& in) {
  while (!in.at_end()) {
    in.skip_cfws();
    if (in.at_end()) break;
    char c = in.peek();
    if (c == ',' || c == ';') return;
    if (c == '"') {
      in.take_quoted();
    } else {
      in.advance();
    }
  }
}

}  // namespace

std::vector<Address> parse_address_list(std::string_view text, const Limits& limits) {
  std::vector<Address> out;
  Lexer in(text);
  bool in_group = false;
  auto push = [&](Address a) {
    if (out.size() < limits.max_addresses) out.push_back(std::move(a));
  };
  while (true) {
    in.skip_cfws();
    if (in.at_end()) break;
    char c = in.peek();
    if (c == ',') {  // RFC 5322 §4.4: obs-addr-list allows empty elements
      in.advance();
      continue;
    }
    if (c == ';') {
      in.advance();
      if (in_group) {  // RFC 5322 §3.4 group = display-name ":" [group-list] ";"
        Address end;
        end.kind = Address::Kind::kGroupEnd;
        push(std::move(end));
        in_group = false;
      }
      continue;
    }
    std::string_view words = collect_words(in, text);
    in.skip_cfws();
    char next = in.at_end() ? '\0' : in.peek();
    Address a;
    if (next == ':' && !in_group) {
      in.advance();
      a.kind = Address::Kind::kGroupStart;
      a.name = render_phrase(words);
      push(std::move(a));
      in_group = true;
      continue;
    }
    if (next == '<') {  // RFC 5322 §3.4 name-addr = [display-name] angle-addr
      in.advance();
      a.name = render_phrase(words);
      read_angle_addr(in, text, a);
      push(std::move(a));
      skip_to_separator(in);
      continue;
    }
    if (next == '@' && !words.empty()) {  // RFC 5322 §3.4.1 addr-spec
      in.advance();
      a.mailbox = render_local_part(words);
      a.domain = read_domain(in);
      // The obsolete "addr (Full Name)" form: the first comment after it is the name.
      std::string_view comment = in.skip_cfws_keep_comment();
      if (!comment.empty()) {
        std::string scratch;
        append_unquoted(comment, scratch);
        a.name = render_phrase(scratch);
        if (a.name.empty()) a.name = scratch;
      }
      push(std::move(a));
      skip_to_separator(in);
      continue;
    }
    if (!words.empty()) {
      // Words with no '@' and no '<': a local name without domain (common in broken mail).
      a.mailbox = render_local_part(words);
      push(std::move(a));
    }
    if (!in.at_end() && in.peek() != ',' && in.peek() != ';') in.advance();  // junk: skip it
    skip_to_separator(in);
  }
  if (in_group) {
    Address end;
    end.kind = Address::Kind::kGroupEnd;
    push(std::move(end));
  }
  return out;
}

std::string decoded_name(const Address& address) { return decode_encoded_words(address.name); }

std::string addr_spec(const Address& address) {
  if (address.kind != Address::Kind::kMailbox) return {};
  bool dot_atom = !address.mailbox.empty() && address.mailbox.front() != '.' &&
                  address.mailbox.back() != '.' &&
                  address.mailbox.find("..") == std::string::npos;
  for (char c : address.mailbox) dot_atom = dot_atom && (is_atext(c) || c == '.');
  std::string out;
  if (dot_atom) {
    out = address.mailbox;
  } else {
    out.push_back('"');
    for (char c : address.mailbox) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  if (!address.domain.empty()) {
    out.push_back('@');
    out += address.domain;
  }
  return out;
}

}  // namespace redoubt::mime
