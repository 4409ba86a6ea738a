#pragma once

#include <string_view>

namespace redoubt::smtp::proto {

// Why a command line or one of its parts was refused. A small closed set; reply_for() in reply.h
// maps each kind to its reply code and enhanced status code, in that one place.
struct SyntaxError {
  enum class Kind {
    kUnknownCommand,       // The verb is not one we know.
    kSyntax,               // The command does not match its grammar.
    kBadArgument,          // Grammatical, but a value is out of range, unknown or repeated.
    kBadSenderAddress,     // The MAIL reverse-path is not a valid Path.
    kBadRecipientAddress,  // The RCPT forward-path is not a valid Path.
    kNonAsciiAddress,      // A UTF-8 reverse-path without SMTPUTF8 (RFC 6531 §3.5).
    kUnknownParameter,     // A MAIL or RCPT parameter we do not implement (RFC 5321 §4.1.1.11).
    kLineTooLong,          // Longer than CommandLimits::max_line (RFC 5321 §4.5.3.1.4).
  };

  Kind kind;
  // A fixed English phrase (static storage) naming the rule that failed. It never quotes the
  // input, so a session may send it to the client as reply text.
  std::string_view reason;

  bool operator==(const SyntaxError&) const = default;
};

}  // namespace redoubt::smtp::proto
