// SECURITY: the process that serves every protocol. It starts as root only when it must bind
// privileged ports (25, 465, 587, 143, 993, 443): it binds them, loads a configured TLS key, then
// switches for good to the unprivileged `server.user` and forbids itself to ever run another
// program (seccomp) before it parses a single byte from the network. It writes only inside the
// data folder. It talks to: SMTP and IMAP clients (anyone), the store (its data folder).

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
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "auth/authenticate.h"
#include "auth/failure_limiter.h"
#include "daemon/logging.h"
#include "daemon/privileges.h"
#include "net/io_pool.h"
#include "net/tls.h"
#include "imap/server/server.h"
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

// <data>/run/ports names the bound endpoints ("smtp 127.0.0.1:2525", "imaps 127.0.0.1:2993"), so
// tests and scripts can use port 0 and still find the server.
struct Listener {
  std::string_view protocol;
  Tcp::acceptor acceptor;
};

void write_ports(const std::filesystem::path& data_dir, const std::vector<std::pair<std::string_view, Tcp::endpoint>>& bound) {
  std::filesystem::create_directories(data_dir / "run");
  std::ofstream out(data_dir / "run" / "ports.tmp", std::ios::trunc);
  for (const auto& [protocol, local] : bound) {
    out << protocol << " "
        << (local.address().is_v6() ? "[" + local.address().to_string() + "]" : local.address().to_string()) << ":"
        << local.port() << "\n";
  }
  out.close();
  std::filesystem::rename(data_dir / "run" / "ports.tmp", data_dir / "run" / "ports");
}

// Binds every configured endpoint, grouped by protocol, before privileges are dropped.
Result<std::vector<Listener>, std::string> bind_all(asio::io_context& context, const config::Config& config) {
  const std::pair<std::string_view, const std::vector<config::Endpoint>*> groups[] = {
      {"smtp", &config.smtp.listen}, {"imap", &config.imap.listen}, {"imaps", &config.imap.listen_tls}};
  std::vector<Listener> listeners;
  for (const auto& [protocol, endpoints] : groups) {
    for (const config::Endpoint& endpoint : *endpoints) {
      auto acceptor = listen_on(context, endpoint);
      if (!acceptor) return unexpected(acceptor.error());
      listeners.push_back(Listener{protocol, std::move(*acceptor)});
    }
  }
  return listeners;
}

std::vector<Tcp::acceptor> take(std::vector<Listener>& listeners, std::string_view protocol) {
  std::vector<Tcp::acceptor> taken;
  for (Listener& listener : listeners) {
    if (listener.protocol == protocol) taken.push_back(std::move(listener.acceptor));
  }
  return taken;
}

// Store garbage collection and expunge log pruning (store/maintenance.cc): a few minutes after
// start, so that a restart loop does not turn into a collection loop, then hourly. Each run goes
// to the blocking pool (it reads the blob folders and unlinks files) and re-arms the timer when it
// is done, so runs never overlap. Timer callbacks run on the main thread's context; stopping that
// context ends the cycle (a run in progress finishes: blocking.join() waits for it).
class GarbageCollector {
 public:
  static constexpr std::chrono::minutes kFirstRun{5};
  static constexpr std::chrono::hours kInterval{1};
  // Fan-out folders searched for files without a row per run: every folder once in 16 hours. Such
  // files are rare (a crash, a refused delivery) and each file searched costs a stat.
  static constexpr int kOrphanFolders = 16;

  GarbageCollector(asio::io_context& context, asio::thread_pool& blocking, store::Store& store,
                   spdlog::logger& log)
      : context_(context), blocking_(blocking), store_(store), log_(log), timer_(context) {}

  void start() { arm(kFirstRun); }
  void stop() { timer_.cancel(); }

 private:
  void arm(std::chrono::steady_clock::duration delay) {
    timer_.expires_after(delay);
    timer_.async_wait([this](const boost::system::error_code& e) {
      if (e) return;  // Cancelled: the server is stopping.
      asio::post(blocking_, [this] {
        run();
        asio::post(context_, [this] { arm(kInterval); });
      });
    });
  }

  void run() {
    const auto started = std::chrono::steady_clock::now();
    store::GarbageOptions options;
    options.first_orphan_folder = next_orphan_folder_;
    options.orphan_folders = kOrphanFolders;
    auto report = store_.collect_garbage(options);
    next_orphan_folder_ = (next_orphan_folder_ + kOrphanFolders) % 256;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    if (!report) {
      log_.warn("store event=gc-failed error={} ms={}", store::describe(report.error()), ms);
      return;
    }
    log_.info(
        "store event=gc blobs_removed={} orphan_files_removed={} bytes_freed={} "
        "expunges_pruned={} ms={}",
        report->blobs_removed, report->orphan_files_removed, report->bytes_freed,
        report->expunges_pruned, ms);
  }

  asio::io_context& context_;
  asio::thread_pool& blocking_;
  store::Store& store_;
  spdlog::logger& log_;
  asio::steady_timer timer_;
  int next_orphan_folder_ = 0;  // Used by one run at a time (runs never overlap).
};

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
  auto listeners = bind_all(pool.at(0), config);
  if (!listeners) return fail(listeners.error());

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
  std::vector<std::pair<std::string_view, Tcp::endpoint>> bound;
  for (const Listener& listener : *listeners) bound.emplace_back(listener.protocol, listener.acceptor.local_endpoint());
  smtp::server::Services smtp_services{config, **store, blocking, *tls, *log};
  auth::FailureLimiter login_failures;
  auth::LoginCache login_cache;
  imap::server::Services imap_services{config, **store, blocking, *tls, *log, login_failures, login_cache};
  std::vector<std::unique_ptr<net::TcpService>> services;
  services.push_back(smtp::server::make_service(smtp_services, pool, take(*listeners, "smtp")));
  services.push_back(imap::server::make_service(imap_services, pool, take(*listeners, "imap"), take(*listeners, "imaps")));

  // Signals are handled on the main thread's own context.
  asio::io_context main_context(1);
  asio::signal_set signals(main_context, SIGTERM, SIGINT);
  ::signal(SIGPIPE, SIG_IGN);
  int received = 0;
  GarbageCollector collector(main_context, blocking, **store, *log);
  signals.async_wait([&](const boost::system::error_code& e, int number) {
    if (!e) received = number;
    collector.stop();
    main_context.stop();  // A collection still running posts its re-arming here: never run.
  });
  collector.start();

  for (auto& service : services) service->start();
  pool.start();
  write_ports(config.server.data_dir, bound);
  log->info("daemon event=started version={} pid={} user={} data={} listeners={}", REDOUBT_VERSION,
            ::getpid(), ::geteuid(), config.server.data_dir.string(), bound.size());
  main_context.run();

  log->info("daemon event=stopping signal={}", received);
  for (auto& service : services) service->stop();
  pool.finish();
  auto active = [&services] {
    std::size_t total = 0;
    for (auto& service : services) total += service->active_sessions();
    return total;
  };
  for (int i = 0; i < 300 && active() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  pool.stop();
  pool.join();
  blocking.join();
  log->info("daemon event=stopped");
  return 0;
}

}  // namespace redoubt::daemon
