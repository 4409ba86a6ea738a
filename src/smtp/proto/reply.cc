#include "smtp/proto/reply.h"

#include "base/check.h"
#include "smtp/proto/grammar.h"

namespace redoubt::smtp::proto {
namespace {

void append_line(std::string& out, int code, char separator, std::string_view enhanced,
                 std::string_view text) {
  // RFC 5321 §4.2  Reply-line = *( Reply-code "-" [ textstring ] CRLF )
  //                             Reply-code [ SP textstring ] CRLF
  REDOUBT_CHECK(code >= 200 && code <= 599);
  REDOUBT_ASSERT(enhanced.empty() ||
                 (enhanced.size() >= 5 && enhanced[0] == '0' + code / 100 && enhanced[1] == '.'));
  out += static_cast<char>('0' + code / 100);
  out += static_cast<char>('0' + code / 10 % 10);
  out += static_cast<char>('0' + code % 10);
  out += separator;
  if (!enhanced.empty()) {
    out += enhanced;
    out += ' ';
  }
  for (char c : text) {
    // RFC 5321 §4.2  textstring = 1*(%d09 / %d32-126); UTF-8 may follow SMTPUTF8 (RFC 6531 §3.7.4).
    const unsigned char octet = grammar::octet(c);
    out += (octet < 32 && c != '\t') || octet == 127 ? '?' : c;
  }
  out += "\r\n";
}

}  // namespace

std::string format_reply(int code, std::string_view enhanced, std::string_view text) {
  std::string out;
  out.reserve(3 + 1 + enhanced.size() + 1 + text.size() + 2);
  append_line(out, code, ' ', enhanced, text);
  return out;
}

std::string format_reply(const Reply& reply) {
  return format_reply(reply.code, reply.enhanced, reply.text);
}

std::string format_multiline_reply(int code, std::string_view enhanced,
                                   std::span<const std::string> lines) {
  REDOUBT_CHECK(!lines.empty());
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    append_line(out, code, i + 1 == lines.size() ? ' ' : '-', enhanced, lines[i]);
  }
  return out;
}

const Reply& reply_for(SyntaxError::Kind kind) {
  // RFC 5321 §4.2.2 codes; RFC 3463 §3.6 (X.5.*), §3.2 (X.1.*), §3.7 (X.6.*) enhanced codes.
  static constexpr Reply kUnknownCommand{500, "5.5.1", "Command not recognized"};
  static constexpr Reply kSyntax{501, "5.5.2", "Syntax error"};
  static constexpr Reply kBadArgument{501, "5.5.4", "Invalid command arguments"};
  static constexpr Reply kBadSenderAddress{501, "5.1.7", "Bad sender address syntax"};
  static constexpr Reply kBadRecipientAddress{501, "5.1.3", "Bad recipient address syntax"};
  // RFC 6531 §3.5: a MAIL that needs an ASCII address gets 550 with X.6.7 "Non-ASCII addresses
  // not permitted for that sender/recipient". (A RCPT gets 553 5.6.7; that refusal depends on the
  // transaction, so smtp/server owns it.)
  static constexpr Reply kNonAsciiAddress{550, "5.6.7", "Non-ASCII address needs SMTPUTF8"};
  // RFC 5321 §4.1.1.11 (555); RFC 3463 X.5.4 invalid command arguments.
  static constexpr Reply kUnknownParameter{555, "5.5.4", "Parameter not recognized"};
  // RFC 5321 §4.5.3.1.9 "500 Line too long". X.5.6 is registered (RFC 4954) for AUTH exchange
  // lines only, so a command line gets the general X.5.2 syntax error.
  static constexpr Reply kLineTooLong{500, "5.5.2", "Line too long"};
  switch (kind) {
    case SyntaxError::Kind::kUnknownCommand:
      return kUnknownCommand;
    case SyntaxError::Kind::kSyntax:
      return kSyntax;
    case SyntaxError::Kind::kBadArgument:
      return kBadArgument;
    case SyntaxError::Kind::kBadSenderAddress:
      return kBadSenderAddress;
    case SyntaxError::Kind::kBadRecipientAddress:
      return kBadRecipientAddress;
    case SyntaxError::Kind::kNonAsciiAddress:
      return kNonAsciiAddress;
    case SyntaxError::Kind::kUnknownParameter:
      return kUnknownParameter;
    case SyntaxError::Kind::kLineTooLong:
      return kLineTooLong;
  }
  REDOUBT_CHECK(false);  // Not a Kind.
  return kSyntax;
}

const Reply& reply_for(DataError error) {
  // RFC 5321 §4.3.2: after the data, a refusal is 552, 554, 450/451/452 or 550. These are
  // permanent: the same message sent again fails the same way.
  // RFC 5321 §2.3.8: CR and LF only as CRLF. RFC 3463 X.6.0: other or undefined media error.
  static constexpr Reply kBareLineEnding{550, "5.6.0", "Bare CR or LF in message"};
  // RFC 5321 §4.5.3.1.6 text line limit.
  static constexpr Reply kLineTooLong{550, "5.6.0", "Message line too long"};
  // RFC 5321 §4.5.3.1.9 "552 Too much mail data"; RFC 1870 §6.3, RFC 3463 X.3.4.
  static constexpr Reply kTooBig{552, "5.3.4", "Message too big"};
  switch (error) {
    case DataError::kBareLf:
    case DataError::kBareCr:
      return kBareLineEnding;
    case DataError::kLineTooLong:
      return kLineTooLong;
    case DataError::kTooBig:
      return kTooBig;
  }
  REDOUBT_CHECK(false);  // Not a DataError.
  return kTooBig;
}

}  // namespace redoubt::smtp::proto
