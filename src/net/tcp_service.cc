#include "net/tcp_service.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/random.h"

namespace redoubt::net {
namespace asio = boost::asio;

TcpService::TcpService(ServiceOptions options, IoPool& pool, std::vector<Tcp::acceptor> acceptors,
                       ConnectionFactory factory, spdlog::logger& log)
    : options_(std::move(options)),
      pool_(pool),
      acceptors_(std::move(acceptors)),
      factory_(std::move(factory)),
      log_(log),
      limiter_(options_.max_connections, options_.max_connections_per_ip),
      // Session ids: a per-process random prefix and a counter, unique across restarts.
      session_prefix_(random_hex(3)) {}

TcpService::~TcpService() = default;

void TcpService::start() {
  for (std::size_t i = 0; i < acceptors_.size(); ++i) {
    asio::co_spawn(acceptors_[i].get_executor(), accept_loop(i), asio::detached);
  }
}

void TcpService::stop() {
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

Task<void> TcpService::accept_loop(std::size_t listener) {
  Tcp::acceptor& acceptor = acceptors_[listener];
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor.async_accept(pool_.next(), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) co_return;
      // EMFILE and friends: log, breathe, go on. Never spin.
      log_.warn("{} event=accept-failed error=\"{}\"", options_.name, ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve(std::move(socket), listener), asio::detached);
  }
}

Task<void> TcpService::serve(Tcp::socket socket, std::size_t listener) {
  boost::system::error_code ec;
  std::string address = socket.remote_endpoint(ec).address().to_string();
  auto [slot, refusal] = limiter_.acquire(address);
  if (!slot) {
    log_.info("{} event=connection-refused remote={} reason={}", options_.name, address,
              refusal == ConnectionLimiter::Refusal::kTotal ? "total-limit" : "per-ip-limit");
    Stream stream(std::move(socket));
    co_await stream.write(options_.refusal, std::chrono::seconds(5));
    stream.close();
    co_return;
  }
  std::shared_ptr<Connection> session =
      factory_(std::move(socket), session_prefix_ + std::to_string(++next_session_), listener);
  {
    std::lock_guard lock(mutex_);
    sessions_.emplace(session.get(), session);
  }
  if (stopping_) session->request_stop();
  try {
    co_await session->run();
  } catch (const std::exception& e) {
    // The only catch of a session: log and close (STYLE.md rule 15).
    log_.error("{} session={} event=crash error=\"{}\"", options_.name, session->id(), e.what());
    session->stream().close();
  }
  std::lock_guard lock(mutex_);
  sessions_.erase(session.get());
}

}  // namespace redoubt::net
