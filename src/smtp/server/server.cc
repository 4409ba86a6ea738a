#include "smtp/server/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "base/random.h"
#include "smtp/proto/reply.h"
#include "smtp/server/session.h"

namespace redoubt::smtp::server {
namespace asio = boost::asio;
using Tcp = asio::ip::tcp;

Server::Server(Services& services, net::IoPool& pool, std::vector<Tcp::acceptor> acceptors)
    : services_(services),
      pool_(pool),
      acceptors_(std::move(acceptors)),
      limiter_(services.config.smtp.max_connections, services.config.smtp.max_connections_per_ip),
      // Session ids: a per-process random prefix and a counter, unique across restarts.
      session_prefix_(random_hex(3)) {}

Server::~Server() = default;

void Server::start() {
  for (Tcp::acceptor& acceptor : acceptors_) {
    asio::co_spawn(acceptor.get_executor(), accept_loop(acceptor), asio::detached);
  }
}

void Server::stop() {
  if (stopping_.exchange(true)) return;
  for (Tcp::acceptor& acceptor : acceptors_) {
    asio::post(acceptor.get_executor(), [&acceptor] {
      boost::system::error_code ignored;
      acceptor.close(ignored);
    });
  }
  std::lock_guard lock(mutex_);
  for (auto& [raw, weak] : sessions_) {
    if (auto session = weak.lock()) {
      asio::post(session->stream().executor(), [session] { session->request_stop(); });
    }
  }
}

Task<void> Server::accept_loop(Tcp::acceptor& acceptor) {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor.async_accept(pool_.next(), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      // EMFILE and friends: log, breathe, go on. Never spin.
      services_.log.warn("smtp event=accept-failed error=\"{}\"", ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve(std::move(socket)), asio::detached);
  }
}

Task<void> Server::serve(Tcp::socket socket) {
  boost::system::error_code ec;
  std::string address = socket.remote_endpoint(ec).address().to_string();
  auto [slot, refusal] = limiter_.acquire(address);
  if (!slot) {
    // RFC 5321 §3.1: 421 instead of the greeting when we cannot serve the client now.
    services_.log.info("smtp event=connection-refused remote={} reason={}", address,
                       refusal == net::ConnectionLimiter::Refusal::kTotal ? "total-limit" : "per-ip-limit");
    net::Stream stream(std::move(socket));
    const std::string refusal_reply = proto::format_reply(421, "4.7.0", "Too many connections, try again later");
    co_await stream.write(refusal_reply, std::chrono::seconds(5));
    stream.close();
    co_return;
  }
  std::string id = session_prefix_ + std::to_string(++next_session_);
  auto session = std::make_shared<Session>(std::move(socket), services_, std::move(id));
  {
    std::lock_guard lock(mutex_);
    sessions_.emplace(session.get(), session);
  }
  if (stopping_) session->request_stop();
  try {
    co_await session->run();
  } catch (const std::exception& e) {
    // The only catch of the session: log and close (STYLE.md rule 15).
    services_.log.error("smtp session={} event=crash error=\"{}\"", session->id(), e.what());
    session->stream().close();
  }
  std::lock_guard lock(mutex_);
  sessions_.erase(session.get());
}

}  // namespace redoubt::smtp::server
