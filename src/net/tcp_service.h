#pragma once

// Accepts connections on already-bound endpoints and runs one Connection per client on the I/O
// pool, within connection limits. Owns its sessions, so stop() can drain them (graceful
// shutdown). Every protocol (SMTP, IMAP...) is one TcpService with its own session factory.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/logger.h>

#include "async/task.h"
#include "net/connection.h"
#include "net/connection_limiter.h"
#include "net/io_pool.h"

namespace redoubt::net {

struct ServiceOptions {
  std::string name;  // "smtp", "imap": the first word of this service's log lines.
  std::size_t max_connections = 1000;
  std::size_t max_connections_per_ip = 50;
  // Written to a client refused by the limits before closing (the protocol's "try later").
  std::string refusal;
};

// Makes the session for an accepted socket. `listener` is the index of the acceptor that took
// it (e.g. to tell implicit-TLS endpoints from plain ones); `id` is unique in this process.
using ConnectionFactory =
    std::function<std::shared_ptr<Connection>(Tcp::socket socket, std::string id, std::size_t listener)>;

class TcpService {
 public:
  // `acceptors` are bound and listening (the daemon binds before dropping privileges).
  TcpService(ServiceOptions options, IoPool& pool, std::vector<Tcp::acceptor> acceptors,
             ConnectionFactory factory, spdlog::logger& log);
  ~TcpService();

  // Starts the accept loops. Connections are spread over the pool's contexts.
  void start();

  // Stops accepting and asks every session to end (Connection::request_stop). Thread-safe. The
  // pool's threads end once the sessions have.
  void stop();

  std::size_t active_sessions() const { return limiter_.total(); }

 private:
  Task<void> accept_loop(std::size_t listener);
  Task<void> serve(Tcp::socket socket, std::size_t listener);

  const ServiceOptions options_;
  IoPool& pool_;
  std::vector<Tcp::acceptor> acceptors_;
  const ConnectionFactory factory_;
  spdlog::logger& log_;
  ConnectionLimiter limiter_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> next_session_{0};
  const std::string session_prefix_;

  // Sessions by address, to reach them at shutdown. The session's coroutine owns it; this
  // registry holds only weak references.
  mutable std::mutex mutex_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> sessions_;  // Guarded by mutex_.
};

}  // namespace redoubt::net
