#pragma once

#include "config/config.h"

namespace redoubt::daemon {

// Runs every configured service until SIGTERM or SIGINT, then shuts down gracefully: stop
// accepting, let open mail transactions finish (up to 30 s), commit what was accepted, exit 0.
// Returns the process exit code; startup errors are printed as one line and give 1.
int serve(config::Config config);

}  // namespace redoubt::daemon
