#pragma once

// The process logger: one line per event on stderr, UTC timestamps, "key=value" fields after the
// service name, a session id on every session line. Owned by the daemon and passed down; it is
// never registered globally.

#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace redoubt::daemon {

std::shared_ptr<spdlog::logger> make_logger(const std::string& level);

}  // namespace redoubt::daemon
