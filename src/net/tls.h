#pragma once

// TLS server contexts and the self-signed development certificate.

#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "base/result.h"

namespace redoubt::net {

struct CertificatePaths {
  std::filesystem::path certificate;
  std::filesystem::path private_key;
};

// Makes `<dir>/cert.pem` and `<dir>/key.pem` (mode 0600) if either is missing: an ECDSA P-256 key
// and a certificate for `hostname`, "localhost" and 127.0.0.1/::1, valid for ten years. Used when
// the configuration names no certificate, so STARTTLS works out of the box; clients will (rightly)
// not trust it until the operator installs a real one.
Result<CertificatePaths, std::string> ensure_self_signed(const std::filesystem::path& dir,
                                                         const std::string& hostname);

// A server context: TLS 1.2 and 1.3 only, Mozilla "intermediate" ciphers, no compression,
// no renegotiation, session tickets on.
Result<std::shared_ptr<boost::asio::ssl::context>, std::string> make_server_context(const CertificatePaths&);

}  // namespace redoubt::net
