#include "net/stream.h"

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "net/deflate.h"

namespace redoubt::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// A Stream on the server end of a loopback connection, and the client end as a blocking socket
// that speaks raw DEFLATE as an RFC 4978 client does.
class CompressedStream : public ::testing::Test {
 protected:
  CompressedStream() : acceptor_(io_, Tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), client_(io_) {
    client_.connect(acceptor_.local_endpoint());
    server_.emplace(acceptor_.accept());
  }

  template <class T>
  T run(Task<T> task) {
    std::optional<T> result;
    asio::co_spawn(io_, std::move(task), [&result](std::exception_ptr error, T value) {
      if (error) std::rethrow_exception(error);
      result = std::move(value);
    });
    io_.restart();
    io_.run();
    EXPECT_TRUE(result.has_value());
    return *result;
  }

  void client_send(std::string_view plain) {
    std::string wire;
    client_deflater_.compress(plain, wire, true);
    client_send_raw(wire);
  }
  void client_send_raw(std::string_view wire) { asio::write(client_, asio::buffer(wire.data(), wire.size())); }

  // Reads and inflates until `size` plain bytes arrived.
  std::string client_receive(std::size_t size) {
    std::string plain;
    while (plain.size() < size) {
      char buffer[4096];
      const std::size_t n = client_.read_some(asio::buffer(buffer));
      client_inflater_.feed(std::string_view(buffer, n));
      while (client_inflater_.has_pending()) EXPECT_TRUE(client_inflater_.inflate(plain, 65536));
    }
    return plain;
  }

  asio::io_context io_;
  Tcp::acceptor acceptor_;
  Tcp::socket client_;
  std::optional<Stream> server_;
  Deflater client_deflater_{{.level = 6, .window_bits = 15, .mem_level = 8}};
  Inflater client_inflater_;
};

TEST_F(CompressedStream, WritesAndReadsThroughDeflate) {
  EXPECT_FALSE(server_->is_compressed());
  ASSERT_TRUE(run(server_->write("T1 OK DEFLATE active\r\n", 1s)));  // Still plain.
  char plain[22];
  asio::read(client_, asio::buffer(plain));
  EXPECT_EQ(std::string_view(plain, sizeof(plain)), "T1 OK DEFLATE active\r\n");

  ASSERT_TRUE(server_->start_compression());
  EXPECT_TRUE(server_->is_compressed());
  for (int i = 0; i < 3; ++i) {
    const std::string response = "* " + std::to_string(i) + " EXISTS\r\nT2 OK NOOP completed\r\n";
    ASSERT_TRUE(run(server_->write(response, 1s)));
    EXPECT_EQ(client_receive(response.size()), response);  // Each write flushed whole.
  }
  const std::string big(300 * 1024, 'x');  // More than one compression slice.
  ASSERT_TRUE(run(server_->write(big, 1s)));
  EXPECT_EQ(client_receive(big.size()), big);

  client_send("T3 NOOP\r\n");
  std::string in;
  while (in.size() < 9) ASSERT_EQ(run(server_->read_some(in, 16 * 1024, 1s)), ReadStatus::kOk);
  EXPECT_EQ(in, "T3 NOOP\r\n");
}

TEST_F(CompressedStream, InflatedInputWaitingCountsAsReadable) {
  ASSERT_TRUE(server_->start_compression());
  const std::string command = "T1 APPEND INBOX {100000+}\r\n" + std::string(100000, 'a') + "\r\n";
  client_send(command);  // A few hundred bytes on the wire, read in one go.
  std::string in;
  ASSERT_EQ(run(server_->read_some(in, 16 * 1024, 1s)), ReadStatus::kOk);
  ASSERT_LE(in.size(), 16u * 1024);
  // Nothing more arrives on the socket, yet the rest is there to read: IDLE's wait must not block.
  while (in.size() < command.size()) {
    ASSERT_EQ(run(server_->wait_readable(5s)), ReadStatus::kOk);
    const std::size_t before = in.size();
    ASSERT_EQ(run(server_->read_some(in, 16 * 1024, 1s)), ReadStatus::kOk);
    ASSERT_LE(in.size() - before, 16u * 1024);
  }
  EXPECT_EQ(in, command);
  // All delivered: now the wait is for the socket again.
  EXPECT_EQ(run(server_->wait_readable(50ms)), ReadStatus::kTimeout);
}

TEST_F(CompressedStream, CorruptInputCloses) {
  ASSERT_TRUE(server_->start_compression());
  client_send_raw("\xff\xff\xff\xff not deflate");
  std::string in;
  EXPECT_EQ(run(server_->read_some(in, 16 * 1024, 1s)), ReadStatus::kClosed);
  EXPECT_TRUE(server_->compression_failed());
  EXPECT_TRUE(in.empty());
}

TEST_F(CompressedStream, PlainStreamIsUnchanged) {
  client_send_raw("T1 NOOP\r\n");
  std::string in;
  ASSERT_EQ(run(server_->read_some(in, 16 * 1024, 1s)), ReadStatus::kOk);
  EXPECT_EQ(in, "T1 NOOP\r\n");
  EXPECT_EQ(run(server_->wait_readable(50ms)), ReadStatus::kTimeout);
  EXPECT_FALSE(server_->compression_failed());
}

}  // namespace
}  // namespace redoubt::net
