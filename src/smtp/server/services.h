#pragma once

// What an SMTP session needs from the rest of the server, passed in by the daemon (no globals).

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/logger.h>

#include "config/config.h"
#include "store/store.h"

namespace redoubt::smtp::server {

struct Services {
  const config::Config& config;
  store::Store& store;
  boost::asio::thread_pool& blocking;  // SQLite reads, fsync: never on I/O threads.
  boost::asio::ssl::context& tls;      // STARTTLS.
  spdlog::logger& log;
};

}  // namespace redoubt::smtp::server
