#include "smtp/proto/command_parser.h"

#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "base/ascii.h"
#include "smtp/proto/address_parser.h"
#include "smtp/proto/grammar.h"
#include "smtp/proto/xtext.h"

namespace redoubt::smtp::proto {
namespace {

using Kind = SyntaxError::Kind;
using ParamResult = Result<void, SyntaxError>;

constexpr std::size_t kMaxEnvidOctets = 100;  // RFC 3461 §4.4
constexpr std::size_t kMaxOrcptOctets = 500;  // RFC 3461 §4.2

Unexpected<SyntaxError> fail(Kind kind, std::string_view reason) {
  return unexpected(SyntaxError{kind, reason});
}

// `rest` is what follows the verb: empty, or SP and the arguments. Returns the arguments with the
// separating spaces skipped, or nullopt if there are none.
std::optional<std::string_view> arguments(std::string_view rest) {
  const std::size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos) return std::nullopt;
  return rest.substr(start);
}

// Splits `s` at its first run of spaces: {first word, the rest after the spaces}.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  const std::size_t space = s.find(' ');
  if (space == std::string_view::npos) return {s, {}};
  const std::size_t next = s.find_first_not_of(' ', space);
  return {s.substr(0, space), next == std::string_view::npos ? std::string_view() : s.substr(next)};
}

// 1*DIGIT as an unsigned 64-bit number; nullopt if not digits or if it overflows.
std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (!ascii::is_digit(c)) return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// Looks `word` up, ignoring case, in a table of {keyword, value}.
template <class T>
std::optional<T> find_keyword(std::string_view word,
                              std::span<const std::pair<std::string_view, T>> table) {
  for (const auto& [keyword, value] : table) {
    if (ascii::iequals(word, keyword)) return value;
  }
  return std::nullopt;
}

// An xtext value (RFC 3461 §4) that must decode to printable US-ASCII (RFC 3461 §4.2, §4.4).
std::optional<std::string> decode_printable_xtext(std::string_view value) {
  auto decoded = decode_xtext(value);
  if (!decoded || decoded->empty() || !grammar::is_printable_ascii(*decoded)) return std::nullopt;
  return decoded;
}

// ---- MAIL and RCPT parameters ----------------------------------------------------------------

template <class T>
struct ParamSpec {
  std::string_view keyword;
  // Stores the parameter in `command`. `value` is the text after "=", nullopt without "=".
  ParamResult (*apply)(std::optional<std::string_view> value, T& command);
};

// RFC 1870 §3  size-param = "SIZE=" size-value; size-value = 1*20DIGIT
ParamResult apply_size(std::optional<std::string_view> value, Mail& mail) {
  const auto size = value ? parse_decimal(*value) : std::nullopt;
  if (!size) return fail(Kind::kBadArgument, "bad SIZE value");
  mail.size = *size;
  return {};
}

// RFC 6152 §2  body-value =/ "8BITMIME";  RFC 3030 §3  body-value =/ "BINARYMIME"
ParamResult apply_body(std::optional<std::string_view> value, Mail& mail) {
  static constexpr std::pair<std::string_view, Body> kBodies[] = {
      {"7BIT", Body::k7Bit}, {"8BITMIME", Body::k8BitMime}, {"BINARYMIME", Body::kBinaryMime}};
  const auto body = value ? find_keyword<Body>(*value, kBodies) : std::nullopt;
  if (!body) return fail(Kind::kBadArgument, "bad BODY value");
  mail.body = *body;
  return {};
}

// RFC 6531 §3.4  "SMTPUTF8" takes no value.
ParamResult apply_smtputf8(std::optional<std::string_view> value, Mail& mail) {
  if (value) return fail(Kind::kBadArgument, "SMTPUTF8 takes no value");
  mail.smtputf8 = true;
  return {};
}

// RFC 3461 §4.3  ret-value = "FULL" / "HDRS"
ParamResult apply_ret(std::optional<std::string_view> value, Mail& mail) {
  static constexpr std::pair<std::string_view, Ret> kRets[] = {{"FULL", Ret::kFull},
                                                               {"HDRS", Ret::kHdrs}};
  const auto ret = value ? find_keyword<Ret>(*value, kRets) : std::nullopt;
  if (!ret) return fail(Kind::kBadArgument, "bad RET value");
  mail.ret = *ret;
  return {};
}

// RFC 3461 §4.4  envid-parameter = "ENVID=" xtext, at most 100 characters.
ParamResult apply_envid(std::optional<std::string_view> value, Mail& mail) {
  auto envid =
      value && value->size() <= kMaxEnvidOctets ? decode_printable_xtext(*value) : std::nullopt;
  if (!envid) return fail(Kind::kBadArgument, "bad ENVID value");
  mail.envid = std::move(*envid);
  return {};
}

// RFC 4954 §5  auth-param = "AUTH=" ( xtext / "<>" )
ParamResult apply_auth(std::optional<std::string_view> value, Mail& mail) {
  if (value == "<>") {
    mail.auth = "<>";
    return {};
  }
  auto auth = value ? decode_printable_xtext(*value) : std::nullopt;
  if (!auth) return fail(Kind::kBadArgument, "bad AUTH value");
  mail.auth = std::move(*auth);
  return {};
}

// RFC 3461 §4.1  notify-esmtp-value = "NEVER" / 1#notify-list-element
//                notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"
ParamResult apply_notify(std::optional<std::string_view> value, Rcpt& rcpt) {
  if (!value) return fail(Kind::kBadArgument, "bad NOTIFY value");
  Notify notify;
  std::string_view list = *value;
  for (;;) {
    const std::size_t comma = list.find(',');
    const std::string_view element = list.substr(0, comma);
    if (ascii::iequals(element, "NEVER")) {
      notify.never = true;
    } else if (ascii::iequals(element, "SUCCESS")) {
      notify.success = true;
    } else if (ascii::iequals(element, "FAILURE")) {
      notify.failure = true;
    } else if (ascii::iequals(element, "DELAY")) {
      notify.delay = true;
    } else {
      return fail(Kind::kBadArgument, "bad NOTIFY value");
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  // RFC 3461 §4.1: NEVER "MUST NOT appear with any other keyword".
  if (notify.never && (notify.success || notify.failure || notify.delay)) {
    return fail(Kind::kBadArgument, "NOTIFY=NEVER with other values");
  }
  rcpt.notify = notify;
  return {};
}

// RFC 3461 §4.2  orcpt-parameter = "ORCPT=" original-recipient-address
//                original-recipient-address = addr-type ";" xtext; addr-type = atom
ParamResult apply_orcpt(std::optional<std::string_view> value, Rcpt& rcpt) {
  if (!value || value->size() > kMaxOrcptOctets) return fail(Kind::kBadArgument, "bad ORCPT value");
  const std::size_t semicolon = value->find(';');
  if (semicolon == std::string_view::npos) return fail(Kind::kBadArgument, "bad ORCPT value");
  const std::string_view addr_type = value->substr(0, semicolon);
  const auto address = decode_printable_xtext(value->substr(semicolon + 1));
  if (addr_type.empty() || grammar::match_atom(addr_type, false) != addr_type.size() || !address) {
    return fail(Kind::kBadArgument, "bad ORCPT value");
  }
  rcpt.orcpt = std::string(addr_type) + ";" + *address;
  return {};
}

constexpr ParamSpec<Mail> kMailParams[] = {
    {"SIZE", apply_size}, {"BODY", apply_body},   {"SMTPUTF8", apply_smtputf8},
    {"RET", apply_ret},   {"ENVID", apply_envid}, {"AUTH", apply_auth},
};

constexpr ParamSpec<Rcpt> kRcptParams[] = {
    {"NOTIFY", apply_notify},
    {"ORCPT", apply_orcpt},
};

static_assert(std::size(kMailParams) <= 32 && std::size(kRcptParams) <= 32,
              "apply_params() keeps the parameters seen in a 32-bit mask");

// Reads the parameters after a path into `command`. `rest` is empty or starts with SP.
// RFC 5321 §4.1.2  Mail-parameters = esmtp-param *(SP esmtp-param)
//                  esmtp-param = esmtp-keyword ["=" esmtp-value]
template <class T>
ParamResult apply_params(std::string_view rest, std::span<const ParamSpec<T>> specs, T& command) {
  if (!rest.empty() && rest[0] != ' ') return fail(Kind::kSyntax, "expected space after address");
  std::uint32_t seen = 0;  // Bit i: specs[i] was given.
  std::string_view params = arguments(rest).value_or(std::string_view());
  while (!params.empty()) {
    const auto [param, next] = split_word(params);
    params = next;
    const std::size_t equals = param.find('=');
    const std::string_view keyword = param.substr(0, equals);
    std::optional<std::string_view> value;
    if (equals != std::string_view::npos) value = param.substr(equals + 1);
    if (!grammar::is_esmtp_keyword(keyword) || (value && !grammar::is_esmtp_value(*value))) {
      return fail(Kind::kSyntax, "bad parameter syntax");
    }
    std::size_t i = 0;
    while (i < specs.size() && !ascii::iequals(keyword, specs[i].keyword)) ++i;
    // RFC 5321 §4.1.1.11: parameters not recognized get 555.
    if (i == specs.size()) return fail(Kind::kUnknownParameter, "unknown parameter");
    if ((seen & (1u << i)) != 0) return fail(Kind::kBadArgument, "duplicate parameter");
    seen |= 1u << i;
    if (auto applied = specs[i].apply(value, command); !applied) return applied;
  }
  return {};
}

// ---- Commands ---------------------------------------------------------------------------------
// Each parser gets what follows the verb: empty, or SP and the arguments (trailing spaces gone).

// RFC 5321 §4.1.1.1  ehlo = "EHLO" SP ( Domain / address-literal ) CRLF
//                    helo = "HELO" SP Domain CRLF
// The argument is kept as sent; see Ehlo in command.h.
template <class T>
Result<Command, SyntaxError> parse_hello(std::string_view rest) {
  const auto domain = arguments(rest);
  if (!domain) return fail(Kind::kSyntax, "hostname required");
  if (domain->find(' ') != std::string_view::npos || !grammar::is_printable_ascii(*domain)) {
    return fail(Kind::kSyntax, "bad hostname");
  }
  return T{std::string(*domain)};
}

// What follows `keyword` ("FROM:" or "TO:") after the single SP that follows the verb, with any
// spaces after the colon skipped; nullopt if the keyword is not there.
std::optional<std::string_view> after_keyword(std::string_view rest, std::string_view keyword) {
  if (rest.empty() || rest[0] != ' ') return std::nullopt;
  rest.remove_prefix(1);
  if (!ascii::istarts_with(rest, keyword)) return std::nullopt;
  rest.remove_prefix(keyword.size());
  // RFC 5321 §4.1.1.2 has no space here, but many clients send one and Postfix accepts it.
  const std::size_t start = rest.find_first_not_of(' ');
  return start == std::string_view::npos ? std::string_view() : rest.substr(start);
}

// RFC 5321 §4.1.1.2  mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
Result<Command, SyntaxError> parse_mail(std::string_view rest) {
  const auto path_and_params = after_keyword(rest, "FROM:");
  if (!path_and_params) return fail(Kind::kSyntax, "expected MAIL FROM:<address>");
  auto path = parse_path_prefix(*path_and_params, PathRole::kReversePath, /*allow_utf8=*/true);
  if (!path) return unexpected(path.error());
  Mail mail;
  mail.reverse_path = std::move(path->path);
  if (auto params = apply_params<Mail>(path_and_params->substr(path->consumed), kMailParams, mail);
      !params) {
    return unexpected(params.error());
  }
  // RFC 6531 §3.4, §3.5: a non-ASCII address needs the SMTPUTF8 parameter.
  if (mail.reverse_path.needs_smtputf8() && !mail.smtputf8) {
    return fail(Kind::kNonAsciiAddress, "UTF-8 address needs SMTPUTF8");
  }
  return mail;
}

// RFC 5321 §4.1.1.3  rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" /
//                                         Forward-path ) [SP Rcpt-parameters] CRLF
Result<Command, SyntaxError> parse_rcpt(std::string_view rest) {
  const auto path_and_params = after_keyword(rest, "TO:");
  if (!path_and_params) return fail(Kind::kSyntax, "expected RCPT TO:<address>");
  auto path = parse_path_prefix(*path_and_params, PathRole::kForwardPath, /*allow_utf8=*/true);
  if (!path) return unexpected(path.error());
  Rcpt rcpt;
  rcpt.forward_path = std::move(path->path);
  if (auto params = apply_params<Rcpt>(path_and_params->substr(path->consumed), kRcptParams, rcpt);
      !params) {
    return unexpected(params.error());
  }
  return rcpt;
}

// RFC 5321 §4.1.1.4 data, §4.1.1.5 rset, §4.1.1.10 quit; RFC 3207 §4 STARTTLS: no arguments.
template <class T>
Result<Command, SyntaxError> parse_no_arguments(std::string_view rest) {
  if (!rest.empty()) return fail(Kind::kBadArgument, "no arguments allowed");
  return T{};
}

// RFC 5321 §4.1.1.9  noop = "NOOP" [ SP String ] CRLF; the argument is ignored.
Result<Command, SyntaxError> parse_noop(std::string_view) { return Noop{}; }

// RFC 5321 §4.1.1.8  help = "HELP" [ SP String ] CRLF
Result<Command, SyntaxError> parse_help(std::string_view rest) {
  const auto arg = arguments(rest);
  if (!arg) return Help{};
  if (!grammar::is_utf8(*arg)) return fail(Kind::kSyntax, "bad HELP argument");
  return Help{std::string(*arg)};
}

// RFC 5321 §4.1.1.6  vrfy = "VRFY" SP String CRLF;  §4.1.1.7  expn = "EXPN" SP String CRLF
template <class T>
Result<Command, SyntaxError> parse_string_argument(std::string_view rest) {
  const auto arg = arguments(rest);
  if (!arg) return fail(Kind::kSyntax, "argument required");
  if (!grammar::is_utf8(*arg)) return fail(Kind::kSyntax, "bad argument");
  return T{std::string(*arg)};
}

// RFC 3030 §2  bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CR LF
//              chunk-size = 1*DIGIT;  end-marker = "LAST"
Result<Command, SyntaxError> parse_bdat(std::string_view rest) {
  const auto args = arguments(rest);
  if (!args) return fail(Kind::kSyntax, "expected BDAT size [LAST]");
  const auto [size_text, marker] = split_word(*args);
  if (size_text.empty() || size_text.find_first_not_of("0123456789") != std::string_view::npos) {
    return fail(Kind::kSyntax, "expected BDAT size [LAST]");
  }
  const auto size = parse_decimal(size_text);
  if (!size) return fail(Kind::kBadArgument, "BDAT size too large");
  if (!marker.empty() && !ascii::iequals(marker, "LAST")) {
    return fail(Kind::kSyntax, "expected BDAT size [LAST]");
  }
  return Bdat{*size, !marker.empty()};
}

// RFC 4422 §3.1  sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE
// Lower case is accepted and upper-cased.
std::optional<std::string> read_mechanism(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::string mechanism;
  for (char c : s) {
    if (!ascii::is_alnum(c) && c != '-' && c != '_') return std::nullopt;
    mechanism += ascii::to_upper(c);
  }
  return mechanism;
}

// RFC 4954 §4  initial-response = base64 / "="   (RFC 4648 §4 base64, padded)
bool is_initial_response(std::string_view s) {
  if (s == "=") return true;
  if (s.empty() || s.size() % 4 != 0) return false;
  const std::size_t end = s.find_last_not_of('=');
  if (end == std::string_view::npos || s.size() - end - 1 > 2) return false;
  for (char c : s.substr(0, end + 1)) {
    if (!ascii::is_alnum(c) && c != '+' && c != '/') return false;
  }
  return true;
}

// RFC 4954 §4  "AUTH" SP sasl-mech [SP initial-response]
Result<Command, SyntaxError> parse_auth(std::string_view rest) {
  const auto args = arguments(rest);
  if (!args) return fail(Kind::kSyntax, "expected AUTH mechanism");
  const auto [mechanism_text, response] = split_word(*args);
  auto mechanism = read_mechanism(mechanism_text);
  if (!mechanism) return fail(Kind::kSyntax, "bad AUTH mechanism");
  Auth auth{std::move(*mechanism), std::nullopt};
  if (!response.empty()) {
    // RFC 4954 §4: a response that is not valid base64 gets 501 5.5.2.
    if (!is_initial_response(response)) return fail(Kind::kSyntax, "bad AUTH initial response");
    auth.initial_response = std::string(response);
  }
  return auth;
}

struct CommandSpec {
  std::string_view verb;
  Result<Command, SyntaxError> (*parse)(std::string_view rest);
};

// Grammar only. Which session states allow a command is decided in smtp/server.
constexpr CommandSpec kCommands[] = {
    {"EHLO", parse_hello<Ehlo>},
    {"HELO", parse_hello<Helo>},
    {"MAIL", parse_mail},
    {"RCPT", parse_rcpt},
    {"DATA", parse_no_arguments<Data>},
    {"BDAT", parse_bdat},
    {"RSET", parse_no_arguments<Rset>},
    {"NOOP", parse_noop},
    {"QUIT", parse_no_arguments<Quit>},
    {"HELP", parse_help},
    {"VRFY", parse_string_argument<Vrfy>},
    {"EXPN", parse_string_argument<Expn>},
    {"STARTTLS", parse_no_arguments<Starttls>},
    {"AUTH", parse_auth},
};

}  // namespace

Result<Command, SyntaxError> parse_command(std::string_view line, const CommandLimits& limits) {
  // RFC 5321 §4.5.3.1.4: the limit counts the CRLF the caller removed.
  if (line.size() > limits.max_line || limits.max_line - line.size() < 2) {
    return fail(Kind::kLineTooLong, "line too long");
  }
  while (!line.empty() && ascii::is_space(line.back())) line.remove_suffix(1);
  for (char c : line) {
    // A CR or LF here means the line reader let a bare one through; NUL and the other controls
    // have no place in any command (RFC 5321 §2.3.8, §4.1.2).
    if (grammar::octet(c) < 32 || grammar::octet(c) == 127) {
      return fail(Kind::kSyntax, "control character in command");
    }
  }
  const std::string_view verb = line.substr(0, line.find(' '));
  for (const CommandSpec& spec : kCommands) {
    // RFC 5321 §2.4: verbs are case-insensitive.
    if (ascii::iequals(verb, spec.verb)) return spec.parse(line.substr(verb.size()));
  }
  return fail(Kind::kUnknownCommand, "unknown command");
}

}  // namespace redoubt::smtp::proto
