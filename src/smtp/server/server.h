#pragma once

// The inbound SMTP service: one Session per connection on the configured endpoints.

#include <memory>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "net/io_pool.h"
#include "net/tcp_service.h"
#include "smtp/server/services.h"

namespace redoubt::smtp::server {

// `acceptors` are bound and listening. Idle sessions answer 421 at stop(); those inside a mail
// transaction finish it first.
std::unique_ptr<net::TcpService> make_service(Services& services, net::IoPool& pool,
                                              std::vector<boost::asio::ip::tcp::acceptor> acceptors);

}  // namespace redoubt::smtp::server
