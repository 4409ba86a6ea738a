// fuzz-deps: redoubt_smtp_proto
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "smtp/proto/address_parser.h"
#include "smtp/proto/command_parser.h"
#include "smtp/proto/reply.h"

namespace proto = redoubt::smtp::proto;

namespace {

// Any Path the parser returns must survive a round trip through to_wire().
void check_round_trip(const proto::Path& path, proto::PathRole role) {
  auto again = proto::parse_path(proto::to_wire(path), role, /*allow_utf8=*/true);
  if (!again.has_value() || *again != path) std::abort();
}

// The address parser on its own: what parses without UTF-8 parses the same with it, and
// everything that parses round-trips.
void check_path_parser(std::string_view input, proto::PathRole role) {
  auto ascii = proto::parse_path(input, role, /*allow_utf8=*/false);
  auto utf8 = proto::parse_path(input, role, /*allow_utf8=*/true);
  if (ascii.has_value() && (!utf8.has_value() || *utf8 != *ascii || ascii->needs_smtputf8())) {
    std::abort();
  }
  if (utf8.has_value()) check_round_trip(*utf8, role);
}

}  // namespace

// Any byte string gives a Command or a SyntaxError with a reply; any parsed path round-trips.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto command = proto::parse_command(input, proto::CommandLimits{});
  if (!command.has_value()) {
    if (command.error().reason.empty() || proto::reply_for(command.error().kind).code < 500) {
      std::abort();
    }
  } else if (const auto* mail = std::get_if<proto::Mail>(&*command)) {
    if (mail->reverse_path.needs_smtputf8() && !mail->smtputf8) std::abort();
    check_round_trip(mail->reverse_path, proto::PathRole::kReversePath);
  } else if (const auto* rcpt = std::get_if<proto::Rcpt>(&*command)) {
    if (rcpt->forward_path.is_null) std::abort();
    check_round_trip(rcpt->forward_path, proto::PathRole::kForwardPath);
  }
  check_path_parser(input, proto::PathRole::kReversePath);
  check_path_parser(input, proto::PathRole::kForwardPath);
  return 0;
}
