// SECURITY: the process that serves every protocol. It starts as root only when it must bind
// privileged ports (25, 465, 587, 143, 993, 443): it binds them, loads a configured TLS key, then
// switches for good to the unprivileged `server.user` and forbids itself to ever run another
// program (seccomp) before it parses a single byte from the network. It writes only inside the
// data folder. It talks to: SMTP clients (anyone), the store (its data folder).

#include "daemon/serve.h"

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include "daemon/logging.h"
#include "daemon/privileges.h"
#include "net/io_pool.h"
#include "net/tls.h"
#include "smtp/server/server.h"
#include "store/store.h"

namespace redoubt::daemon {
namespace asio = boost::asio;
using Tcp = asio::ip::tcp;

namespace {

Result<Tcp::acceptor, std::string> listen_on(asio::io_context& context, const config::Endpoint& endpoint) {
  const std::string where = endpoint.host + ":" + std::to_string(endpoint.port);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(endpoint.host, ec);
  if (ec) return unexpected("cannot listen on " + where + ": not an IP address");
  Tcp::acceptor acceptor(context);
  Tcp::endpoint at(address, endpoint.port);
  acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(Tcp::acceptor::reuse_address(true), ec);
  if (!ec && address.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unexpected("cannot listen on " + where + ": " + ec.message());
  return acceptor;
}

// <data>/run/ports names the bound endpoints ("smtp 127.0.0.1:2525"), so tests and scripts can use
// port 0 and still find the server.
void write_ports(const std::filesystem::path& data_dir, const std::vector<Tcp::endpoint>& endpoints) {
  std::filesystem::create_directories(data_dir / "run");
  std::ofstream out(data_dir / "run" / "ports.tmp", std::ios::trunc);
  for (const Tcp::endpoint& local : endpoints) {
    out << "smtp " << (local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string())
        << ":" << local.port() << "\n";
  }
  out.close();
  std::filesystem::rename(data_dir / "run" / "ports.tmp", data_dir / "run" / "ports");
}

}  // namespace

int serve(config::Config config) {
  auto log = make_logger(config.log.level);
  auto fail = [&](const std::string& why) {
    std::cerr << "redoubt: " << why << "\n";
    return 1;
  };
  std::error_code ec;
  config.server.data_dir = std::filesystem::absolute(config.server.data_dir, ec);

  const unsigned threads = config.server.threads ? config.server.threads : std::max(1u, std::thread::hardware_concurrency());
  net::IoPool pool(threads);
  std::vector<Tcp::acceptor> acceptors;
  for (const config::Endpoint& endpoint : config.smtp.listen) {
    auto acceptor = listen_on(pool.at(0), endpoint);
    if (!acceptor) return fail(acceptor.error());
    acceptors.push_back(std::move(*acceptor));
  }

  // A configured key may be readable by root only: load it before giving root up.
  std::shared_ptr<asio::ssl::context> tls;
  if (!config.tls.certificate.empty()) {
    auto context = net::make_server_context({config.tls.certificate, config.tls.private_key});
    if (!context) return fail(context.error());
    tls = *context;
  }

  if (auto dropped = become_unprivileged(config.server.user, config.server.data_dir); !dropped) {
    return fail(dropped.error());
  }
  if (auto sandboxed = forbid_exec(); !sandboxed) return fail(sandboxed.error());

  if (!tls) {
    auto paths = net::ensure_self_signed(config.server.data_dir / "tls", config.server.hostname);
    if (!paths) return fail(paths.error());
    auto context = net::make_server_context(*paths);
    if (!context) return fail(context.error());
    tls = *context;
  }

  auto store = store::Store::open(config.server.data_dir);
  if (!store) return fail(store.error());

  // Blocking work: SQLite lookups and fsyncs. Several fsyncs in flight at once let the file
  // system commit them in one journal transaction.
  asio::thread_pool blocking(std::max(4u, 2 * threads));
  smtp::server::Services services{config, **store, blocking, *tls, *log};
  std::vector<Tcp::endpoint> bound;
  for (const Tcp::acceptor& acceptor : acceptors) bound.push_back(acceptor.local_endpoint());
  smtp::server::Server smtp(services, pool, std::move(acceptors));

  // Signals are handled on the main thread's own context.
  asio::io_context main_context(1);
  asio::signal_set signals(main_context, SIGTERM, SIGINT);
  ::signal(SIGPIPE, SIG_IGN);
  int received = 0;
  signals.async_wait([&](const boost::system::error_code& e, int number) {
    if (!e) received = number;
  });

  smtp.start();
  pool.start();
  write_ports(config.server.data_dir, bound);
  log->info("daemon event=started version={} pid={} user={} data={} smtp={}", REDOUBT_VERSION, ::getpid(),
            ::geteuid(), config.server.data_dir.string(), config.smtp.listen.size());
  main_context.run();

  log->info("daemon event=stopping signal={}", received);
  smtp.stop();
  pool.finish();
  for (int i = 0; i < 300 && smtp.active_sessions() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  pool.stop();
  pool.join();
  blocking.join();
  log->info("daemon event=stopped");
  return 0;
}

}  // namespace redoubt::daemon
