#pragma once

// What a TcpService (net/tcp_service.h) runs for each accepted connection: one protocol session
// (SMTP, IMAP...), a single coroutine that owns its Stream.

#include <string>

#include "async/task.h"
#include "net/stream.h"

namespace redoubt::net {

class Connection {
 public:
  virtual ~Connection() = default;

  // Runs the conversation until the client leaves, a fatal error, a timeout or shutdown.
  virtual Task<void> run() = 0;

  // Graceful shutdown: end as soon as the protocol allows (an idle session at once, a session in
  // the middle of storing a message once it is stored). Runs on the connection's executor.
  virtual void request_stop() = 0;

  virtual Stream& stream() = 0;
  virtual const std::string& id() const = 0;
};

}  // namespace redoubt::net
