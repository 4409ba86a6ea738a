#include "config/config.h"

#include <gtest/gtest.h>

namespace redoubt::config {
namespace {

TEST(Config, DefaultsMakeALoopbackDevelopmentServer) {
  auto config = load(std::nullopt);
  ASSERT_TRUE(config);
  ASSERT_EQ(config->smtp.listen.size(), 1u);
  EXPECT_EQ(config->smtp.listen[0], (Endpoint{"127.0.0.1", 2525}));
  EXPECT_EQ(config->server.data_dir, "./data");
  EXPECT_GE(config->smtp.max_recipients, 100u);
  EXPECT_EQ(config->imap.listen, (std::vector<Endpoint>{{"127.0.0.1", 2143}}));
  EXPECT_EQ(config->imap.listen_tls, (std::vector<Endpoint>{{"127.0.0.1", 2993}}));
  EXPECT_TRUE(config->imap.loopback_plaintext_auth);
  EXPECT_GE(config->imap.idle_timeout, std::chrono::seconds(1800));
}

TEST(Config, ReadsEverySection) {
  auto config = parse(R"(
[server]
hostname = "mx.example.org"
data_dir = "/var/lib/redoubt"
user = "mail"
threads = 4
[smtp]
listen = ["0.0.0.0:25", "[::]:25"]
max_message_size = 10485760
max_recipients = 500
command_timeout = 120
[imap]
listen = ["0.0.0.0:143"]
listen_tls = ["0.0.0.0:993", "[::]:993"]
loopback_plaintext_auth = false
max_append = 1048576
idle_timeout = 3600
[tls]
certificate = "/etc/redoubt/cert.pem"
private_key = "/etc/redoubt/key.pem"
[log]
level = "debug"
)",
                      "test.toml");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->server.hostname, "mx.example.org");
  EXPECT_EQ(config->server.threads, 4u);
  EXPECT_EQ(config->smtp.listen[1], (Endpoint{"::", 25}));
  EXPECT_EQ(config->smtp.max_message_size, 10485760u);
  EXPECT_EQ(config->smtp.command_timeout, std::chrono::seconds(120));
  EXPECT_EQ(config->tls.private_key, "/etc/redoubt/key.pem");
  EXPECT_EQ(config->log.level, "debug");
  EXPECT_EQ(config->imap.listen, (std::vector<Endpoint>{{"0.0.0.0", 143}}));
  EXPECT_EQ(config->imap.listen_tls[1], (Endpoint{"::", 993}));
  EXPECT_FALSE(config->imap.loopback_plaintext_auth);
  EXPECT_EQ(config->imap.max_append, 1048576u);
  EXPECT_EQ(config->imap.idle_timeout, std::chrono::seconds(3600));
}

TEST(Config, ErrorsNameTheKeyAndTheProblem) {
  struct Case {
    const char* toml;
    const char* want;
  };
  const Case cases[] = {
      {"[smtp]\nmax_recipients = \"many\"\n", "t.toml: smtp.max_recipients: expected an integer"},
      {"[smtp]\nmax_recipients = 0\n", "t.toml: smtp.max_recipients: expected an integer from 1"},
      {"[smtp]\nlisten = [\"nowhere\"]\n", "t.toml: smtp.listen: \"nowhere\" is not host:port"},
      {"[smtp]\nlisten = [\"a:99999\"]\n", "t.toml: smtp.listen: \"a:99999\": port above 65535"},
      {"[smtp]\nmax_recipient = 5\n", "t.toml: smtp.max_recipient: unknown key"},
      {"[smpt]\n", "t.toml: smpt: unknown section"},
      {"[log]\nlevel = \"loud\"\n", "t.toml: log.level: expected"},
      {"[tls]\ncertificate = \"c.pem\"\n", "t.toml: tls: set both"},
      {"[server\n", "t.toml:1: "},
      {"[imap]\nloopback_plaintext_auth = 1\n", "t.toml: imap.loopback_plaintext_auth: expected true or false"},
      {"[imap]\nidle_timeout = 60\n", "t.toml: imap.idle_timeout: RFC 9051"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.toml);
    auto config = parse(c.toml, "t.toml");
    ASSERT_FALSE(config);
    EXPECT_TRUE(config.error().starts_with(c.want)) << config.error();
    EXPECT_EQ(config.error().find('\n'), std::string::npos);
  }
}

TEST(Config, MissingFileIsAnError) {
  auto config = load(std::filesystem::path("/nonexistent/redoubt.toml"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().find("/nonexistent/redoubt.toml"), std::string::npos);
}

}  // namespace
}  // namespace redoubt::config
