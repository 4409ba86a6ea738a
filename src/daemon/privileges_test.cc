#include "daemon/privileges.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace redoubt::daemon {
namespace {

// The filter is irreversible, so it is installed in a child process made for the purpose.
TEST(ForbidExec, ExecFailsWithEpermAfterwardsButThreadsStillWork) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (!forbid_exec()) ::_exit(10);
    char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execv("/bin/true", argv);
    if (errno != EPERM) ::_exit(11);
    if (::fork() != -1 || errno != EPERM) ::_exit(12);
    bool ran = false;
    std::thread([&] { ran = true; }).join();
    if (!ran) ::_exit(13);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(BecomeUnprivileged, RefusesRootAndUnknownUsers) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto dir = std::filesystem::temp_directory_path() / "redoubt-priv-test";
    if (become_unprivileged("root", dir)) ::_exit(1);
    auto missing = become_unprivileged("no-such-user-redoubt", dir);
    if (missing || missing.error().find("no such user") == std::string::npos) ::_exit(2);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace redoubt::daemon
