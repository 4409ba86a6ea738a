#pragma once

// The inbound SMTP service: accepts connections on the configured endpoints and runs one Session
// per connection on the I/O pool. Owns its sessions, so stop() can drain them (graceful shutdown).

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "async/task.h"
#include "net/connection_limiter.h"
#include "net/io_pool.h"
#include "smtp/server/services.h"

namespace redoubt::smtp::server {

class Session;

class Server {
 public:
  // `acceptors` are already bound and listening (the daemon binds before dropping privileges).
  Server(Services& services, net::IoPool& pool, std::vector<boost::asio::ip::tcp::acceptor> acceptors);
  ~Server();

  // Starts the accept loops. Connections are spread over the pool's contexts.
  void start();

  // Stops accepting, and asks every session to end: idle ones at once (421), those inside a mail
  // transaction when it completes. Thread-safe. The pool's threads end once the sessions have.
  void stop();

  std::size_t active_sessions() const { return limiter_.total(); }

 private:
  Task<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor);
  Task<void> serve(boost::asio::ip::tcp::socket socket);

  Services& services_;
  net::IoPool& pool_;
  std::vector<boost::asio::ip::tcp::acceptor> acceptors_;
  net::ConnectionLimiter limiter_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> next_session_{0};
  std::string session_prefix_;

  // Sessions by address, to reach them at shutdown. A session is shared between its coroutine
  // (the owner) and this registry, which holds only weak references.
  mutable std::mutex mutex_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;  // Guarded by mutex_.
};

}  // namespace redoubt::smtp::server
