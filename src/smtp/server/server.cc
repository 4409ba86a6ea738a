#include "smtp/server/server.h"

#include "smtp/proto/reply.h"
#include "smtp/server/session.h"

namespace redoubt::smtp::server {

std::unique_ptr<net::TcpService> make_service(Services& services, net::IoPool& pool,
                                              std::vector<boost::asio::ip::tcp::acceptor> acceptors) {
  const config::SmtpConfig& smtp = services.config.smtp;
  net::ServiceOptions options{
      .name = "smtp",
      .max_connections = smtp.max_connections,
      .max_connections_per_ip = smtp.max_connections_per_ip,
      // RFC 5321 §3.1: 421 instead of the greeting when we cannot serve the client now.
      .refusal = proto::format_reply(421, "4.7.0", "Too many connections, try again later"),
  };
  auto factory = [&services](net::Tcp::socket socket, std::string id, std::size_t) {
    return std::make_shared<Session>(std::move(socket), services, std::move(id));
  };
  return std::make_unique<net::TcpService>(std::move(options), pool, std::move(acceptors),
                                           std::move(factory), services.log);
}

}  // namespace redoubt::smtp::server
