#pragma once

// Dropping root, and the sandbox every Redoubt process runs in afterwards.

#include <filesystem>
#include <string>

#include "base/result.h"

namespace redoubt::daemon {

// When running as root: creates `data_dir` if needed and gives it (and anything under it owned by
// someone else) to `user`, then switches to `user`'s uid and gid for good (setgroups, setgid,
// setuid; checked to be irreversible). When not root: does nothing. Called by `serve` after binding
// its ports and by every administrative command before it opens the store, so the files are always
// owned by the server's user.
Result<void, std::string> become_unprivileged(const std::string& user, const std::filesystem::path& data_dir);

// No process of ours ever runs another program: sets no_new_privs and installs a seccomp filter
// that makes execve, execveat, fork, vfork and ptrace fail with EPERM. Threads (clone with
// CLONE_THREAD) stay allowed. Irreversible for this process.
Result<void, std::string> forbid_exec();

}  // namespace redoubt::daemon
