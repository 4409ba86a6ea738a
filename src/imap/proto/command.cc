#include "imap/proto/command.h"

#include <array>

namespace redoubt::imap::proto {
namespace {

// In the order of CommandArgs.
constexpr std::array<std::string_view, 37> kNames = {
    "CAPABILITY", "NOOP",      "LOGOUT",    "ID",       "STARTTLS",     "AUTHENTICATE",
    "LOGIN",      "ENABLE",    "SELECT",    "EXAMINE",  "CREATE",       "DELETE",
    "RENAME",     "SUBSCRIBE", "UNSUBSCRIBE", "LIST",   "LSUB",         "NAMESPACE",
    "STATUS",     "APPEND",    "IDLE",      "GETQUOTA", "GETQUOTAROOT", "SETQUOTA",
    "COMPRESS",   "CHECK",     "CLOSE",     "UNSELECT", "EXPUNGE",      "EXPUNGE",
    "SEARCH",     "SORT",      "THREAD",    "FETCH",    "STORE",        "COPY",
    "MOVE",
};
static_assert(kNames.size() == std::variant_size_v<CommandArgs>);

}  // namespace

std::string_view command_name(const CommandArgs& args) { return kNames[args.index()]; }

bool is_uid_command(const CommandArgs& args) {
  return std::visit(
      [](const auto& command) {
        if constexpr (requires { command.uid; }) {
          return command.uid;
        } else {
          return std::is_same_v<std::decay_t<decltype(command)>, UidExpunge>;
        }
      },
      args);
}

}  // namespace redoubt::imap::proto
