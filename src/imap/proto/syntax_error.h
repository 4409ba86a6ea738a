#pragma once

#include <string>
#include <string_view>

namespace redoubt::imap::proto {

// Why parse_command() refused a command. The session answers "<tag> BAD <reason>", or
// "* BAD <reason>" when `tag` is empty (RFC 9051 §7.1.3: the tag could not be read).
struct SyntaxError {
  enum class Kind {
    kUnknownCommand,  // The command name is not one we know.
    kSyntax,          // The command does not match its grammar.
    kLimit,           // Grammatical, but over a ParseLimits bound (nesting depth, list size).
  };

  // The command's tag as sent, or empty if the line does not start with a valid tag.
  std::string tag;
  Kind kind = Kind::kSyntax;
  // A fixed English phrase (static storage) naming the rule that failed. It never quotes the
  // input, so the session may send it to the client as response text.
  std::string_view reason;

  bool operator==(const SyntaxError&) const = default;
};

}  // namespace redoubt::imap::proto
