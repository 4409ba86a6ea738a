#pragma once

// Small POSIX file helpers for the store's durable writes. Internal to src/store.

#include <filesystem>
#include <string_view>
#include <system_error>

#include "base/result.h"

namespace redoubt::store {

// Owns a file descriptor and closes it once. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }
  int release();
  void reset();

 private:
  int fd_ = -1;
};

// Writes all of `bytes` to `fd`, retrying short writes and EINTR. False on error (errno is set).
bool write_all(int fd, std::string_view bytes);

// Makes the entries of directory `dir` (creations, renames, removals) durable: open + fsync. On
// Linux a file's fsync does not cover its name; without this a crash can lose a renamed file.
bool sync_directory(const std::filesystem::path& dir);

// Creates directory `dir` with mode 0750 (minus umask: mail is private) if missing, and returns
// whether it did. Fails if it cannot, or if `dir` exists but is not a directory.
Result<bool, std::error_code> make_directory(const std::filesystem::path& dir);

}  // namespace redoubt::store
