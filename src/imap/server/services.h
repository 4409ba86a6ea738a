#pragma once

// What an IMAP session needs from the rest of the server, passed in by the daemon (no globals).

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/logger.h>

#include "auth/authenticate.h"
#include "auth/failure_limiter.h"
#include "config/config.h"
#include "store/store.h"

namespace redoubt::imap::server {

struct Services {
  const config::Config& config;
  store::Store& store;
  boost::asio::thread_pool& blocking;  // SQLite, Argon2id, message parsing: never on I/O threads.
  boost::asio::ssl::context& tls;
  spdlog::logger& log;
  auth::FailureLimiter& login_failures;  // Keys: "ip:<address>" and "user:<name>".
  auth::LoginCache& login_cache;
};

}  // namespace redoubt::imap::server
