#include "daemon/privileges.h"

#include <grp.h>
#include <sched.h>
#include <pwd.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace redoubt::daemon {
namespace fs = std::filesystem;

namespace {

Result<void, std::string> give_to(const fs::path& path, uid_t uid, gid_t gid) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return unexpected(path.string() + ": " + std::strerror(errno));
  if ((st.st_uid != uid || st.st_gid != gid) && ::lchown(path.c_str(), uid, gid) != 0) {
    return unexpected(path.string() + ": cannot change owner: " + std::strerror(errno));
  }
  return {};
}

}  // namespace

Result<void, std::string> become_unprivileged(const std::string& user, const fs::path& data_dir) {
  if (::geteuid() != 0) return {};
  if (user.empty() || user == "root") {
    return unexpected("server.user: running as root needs an unprivileged user to switch to");
  }
  std::vector<char> buffer(16384);
  struct passwd entry {}, *found = nullptr;
  if (::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) {
    return unexpected("server.user: no such user \"" + user +
                      "\" (create it: useradd --system --no-create-home " + user + ")");
  }
  const uid_t uid = found->pw_uid;
  const gid_t gid = found->pw_gid;
  if (uid == 0) return unexpected("server.user: \"" + user + "\" has uid 0");

  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return unexpected(data_dir.string() + ": " + ec.message());
  if (auto r = give_to(data_dir, uid, gid); !r) return r;
  for (auto it = fs::recursive_directory_iterator(data_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (auto r = give_to(it->path(), uid, gid); !r) return r;
  }
  if (ec) return unexpected(data_dir.string() + ": " + ec.message());

  if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
    return unexpected(std::string("cannot switch to user \"") + user + "\": " + std::strerror(errno));
  }
  // setuid as root sets all three uids; make sure there is no way back.
  if (::setuid(0) == 0 || ::geteuid() == 0) return unexpected("privileges could be regained; refusing to run");
  return {};
}

Result<void, std::string> forbid_exec() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return unexpected(std::string("prctl(PR_SET_NO_NEW_PRIVS): ") + std::strerror(errno));
  }
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
  if (!filter) return unexpected("seccomp_init failed");
  bool ok = true;
  for (int syscall : {SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(ptrace),
                      SCMP_SYS(process_vm_writev)}) {
    ok = ok && seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), syscall, 0) == 0;
  }
  // glibc's fork() is clone() without CLONE_THREAD; pthread_create is clone() with it. clone3
  // passes its flags in memory a filter cannot read, so it answers ENOSYS and glibc falls back
  // to clone.
  ok = ok && seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) == 0;
  ok = ok && seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) == 0;
  ok = ok && seccomp_load(filter) == 0;
  seccomp_release(filter);
  if (!ok) return unexpected("cannot install the seccomp filter");
  return {};
}

}  // namespace redoubt::daemon
