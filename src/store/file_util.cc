#include "store/file_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace redoubt::store {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() { reset(); }

int UniqueFd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset() {
  // No retry on EINTR: on Linux the descriptor is released even then, and a retry could close a
  // descriptor another thread has just been given.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool sync_directory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.is_open()) return false;
  return ::fsync(fd.get()) == 0;
}

Result<bool, std::error_code> make_directory(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0750) == 0) return true;
  const int error = errno;
  if (error != EEXIST) return unexpected(std::error_code(error, std::generic_category()));
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0)
    return unexpected(std::error_code(errno, std::generic_category()));
  if (!S_ISDIR(st.st_mode)) return unexpected(std::make_error_code(std::errc::not_a_directory));
  return false;
}

}  // namespace redoubt::store
