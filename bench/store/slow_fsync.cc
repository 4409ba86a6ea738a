// An LD_PRELOAD shim for benchmarks only: every fsync(2) and fdatasync(2) of the process returns
// REDOUBT_SLOW_FSYNC_US microseconds (default 3800) after the disk answered. It shows on a fast
// disk, or on one whose speed drifts (a shared virtual disk), what a slow one would give: with
// the default, at most ~260 fsyncs per second per thread. Fsyncs of different threads still
// overlap, as they do on a disk with a queue. Never linked into anything.
//
//   LD_PRELOAD=build/bench/bench/store/libredoubt_slow_fsync.so redoubt serve ...

#include <dlfcn.h>
#include <time.h>

#include <cerrno>
#include <cstdlib>

namespace {

long delay_us() {
  static const long us = [] {
    const char* value = std::getenv("REDOUBT_SLOW_FSYNC_US");
    return value != nullptr ? std::atol(value) : 3800L;
  }();
  return us;
}

void wait_as_a_slow_disk() {
  timespec left{delay_us() / 1'000'000, (delay_us() % 1'000'000) * 1000};
  while (::nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

using SyncFunction = int (*)(int);

SyncFunction next(const char* name) {
  return reinterpret_cast<SyncFunction>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" int fsync(int fd) {
  static const SyncFunction real = next("fsync");
  const int rc = real(fd);
  const int saved = errno;
  wait_as_a_slow_disk();
  errno = saved;
  return rc;
}

extern "C" int fdatasync(int fd) {
  static const SyncFunction real = next("fdatasync");
  const int rc = real(fd);
  const int saved = errno;
  wait_as_a_slow_disk();
  errno = saved;
  return rc;
}
