#include "net/tls.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

namespace redoubt::net {
namespace {

TEST(Tls, SelfSignedCertificateIsMadeOnceAndLoads) {
  auto dir = std::filesystem::temp_directory_path() / ("redoubt-tls-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto paths = ensure_self_signed(dir, "mx.example.test");
  ASSERT_TRUE(paths) << paths.error();
  struct stat st {};
  ASSERT_EQ(::stat(paths->private_key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // The key is readable by its owner only.
  auto first_mtime = std::filesystem::last_write_time(paths->certificate);

  auto again = ensure_self_signed(dir, "mx.example.test");
  ASSERT_TRUE(again);
  EXPECT_EQ(std::filesystem::last_write_time(again->certificate), first_mtime);  // Not remade.
  auto context = make_server_context(*again);
  EXPECT_TRUE(context) << context.error();
  std::filesystem::remove_all(dir);
}

TEST(Tls, MismatchedOrMissingFilesAreClearErrors) {
  auto context = make_server_context({"/nonexistent/cert.pem", "/nonexistent/key.pem"});
  ASSERT_FALSE(context);
  EXPECT_NE(context.error().find("/nonexistent/cert.pem"), std::string::npos);
}

}  // namespace
}  // namespace redoubt::net
