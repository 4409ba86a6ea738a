#include "smtp/server/trace_headers.h"

#include <gtest/gtest.h>

namespace redoubt::smtp::server {
namespace {

TEST(TraceHeaders, ReturnPathAndReceivedWithTlsAndSingleRecipient) {
  std::string got = trace_headers({.reverse_path = "alice@example.org",
                                   .helo = "client.example.org",
                                   .remote_ip = "192.0.2.1",
                                   .hostname = "mx.example.net",
                                   .protocol = "ESMTPS",
                                   .tls = "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384",
                                   .id = "abc123.1",
                                   .for_recipient = "bob@example.net",
                                   .when = 0});
  EXPECT_EQ(got,
            "Return-Path: <alice@example.org>\r\n"
            "Received: from client.example.org ([192.0.2.1])\r\n"
            "\tby mx.example.net (Redoubt) with ESMTPS\r\n"
            "\t(TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n"
            "\tid abc123.1\r\n"
            "\tfor <bob@example.net>; Thu, 1 Jan 1970 00:00:00 +0000\r\n");
}

TEST(TraceHeaders, HostileHeloCannotBreakTheHeader) {
  std::string got = trace_headers({.reverse_path = "",
                                   .helo = "x)\r\nBcc: victim (",
                                   .remote_ip = "192.0.2.1",
                                   .hostname = "mx",
                                   .protocol = "SMTP",
                                   .id = "i",
                                   .when = 0});
  EXPECT_TRUE(got.starts_with("Return-Path: <>\r\nReceived: from x___Bcc:_victim__ ([192.0.2.1])\r\n"));
  EXPECT_EQ(got.find("for <"), std::string::npos);  // Several or unknown recipients are not named.
}

}  // namespace
}  // namespace redoubt::smtp::server
