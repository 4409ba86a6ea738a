#pragma once

// Reads a new password for `account add|passwd`: from the terminal (twice, without echo) when
// stdin is one, else the first line of stdin. Never from argv, where `ps` would show it.

#include <string>

#include "base/result.h"

namespace redoubt::admin {

Result<std::string, std::string> read_new_password();

}  // namespace redoubt::admin
