#pragma once

// The IMAP service: one Session per connection, on the STARTTLS endpoints and on the implicit
// TLS ones.

#include <memory>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "imap/server/services.h"
#include "net/io_pool.h"
#include "net/tcp_service.h"

namespace redoubt::imap::server {

// `plain` (STARTTLS) and `implicit_tls` acceptors are bound and listening.
std::unique_ptr<net::TcpService> make_service(Services& services, net::IoPool& pool,
                                              std::vector<boost::asio::ip::tcp::acceptor> plain,
                                              std::vector<boost::asio::ip::tcp::acceptor> implicit_tls);

}  // namespace redoubt::imap::server
