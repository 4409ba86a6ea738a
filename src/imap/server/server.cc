#include "imap/server/server.h"

#include "imap/server/session.h"

namespace redoubt::imap::server {

std::unique_ptr<net::TcpService> make_service(Services& services, net::IoPool& pool,
                                              std::vector<boost::asio::ip::tcp::acceptor> plain,
                                              std::vector<boost::asio::ip::tcp::acceptor> implicit_tls) {
  const config::ImapConfig& imap = services.config.imap;
  net::ServiceOptions options{
      .name = "imap",
      .max_connections = imap.max_connections,
      .max_connections_per_ip = imap.max_connections_per_ip,
      .refusal = "* BYE [UNAVAILABLE] Too many connections, try again later\r\n",
  };
  // Acceptors [0, plain_count) take plain connections, the rest implicit TLS ones.
  const std::size_t plain_count = plain.size();
  std::vector<boost::asio::ip::tcp::acceptor> acceptors = std::move(plain);
  for (auto& acceptor : implicit_tls) acceptors.push_back(std::move(acceptor));
  auto factory = [&services, plain_count](net::Tcp::socket socket, std::string id, std::size_t listener) {
    return std::make_shared<Session>(std::move(socket), services, std::move(id), listener >= plain_count);
  };
  return std::make_unique<net::TcpService>(std::move(options), pool, std::move(acceptors), std::move(factory),
                                           services.log);
}

}  // namespace redoubt::imap::server
