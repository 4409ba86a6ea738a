#include "net/tls.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "base/random.h"

namespace redoubt::net {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

std::string openssl_error() {
  char text[256];
  ERR_error_string_n(ERR_get_error(), text, sizeof text);
  return text;
}

bool add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// Writes a PEM file atomically (temp file, fsync, rename) with the given mode.
template <class Write>
Result<void, std::string> write_pem(const std::filesystem::path& path, mode_t mode, Write write) {
  std::filesystem::path temp = path;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return unexpected(temp.string() + ": cannot create");
  FILE* file = ::fdopen(fd, "w");
  bool ok = file && write(file) == 1 && std::fflush(file) == 0 && ::fsync(fd) == 0;
  if (file) std::fclose(file); else ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) return unexpected(path.string() + ": cannot write");
  return {};
}

}  // namespace

Result<CertificatePaths, std::string> ensure_self_signed(const std::filesystem::path& dir,
                                                         const std::string& hostname) {
  CertificatePaths paths{dir / "cert.pem", dir / "key.pem"};
  std::error_code ec;
  if (std::filesystem::exists(paths.certificate, ec) && std::filesystem::exists(paths.private_key, ec)) {
    return paths;
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) return unexpected(dir.string() + ": " + ec.message());

  PkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr cert(X509_new());
  if (!key || !cert) return unexpected("cannot make a key: " + openssl_error());
  X509_set_version(cert.get(), 2);
  // A random 128-bit serial (RFC 5280 §4.1.2.2 allows up to 20 octets; positive).
  std::string serial = random_bytes(16);
  serial[0] = char(serial[0] & 0x7f);
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), int(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(hostname.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:" + hostname + (hostname == "localhost" ? "" : ",DNS:localhost") +
                    ",IP:127.0.0.1,IP:::1";
  if (!add_extension(cert.get(), NID_subject_alt_name, san) ||
      !add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !add_extension(cert.get(), NID_ext_key_usage, "serverAuth") ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return unexpected("cannot make a certificate: " + openssl_error());
  }
  auto key_written = write_pem(paths.private_key, 0600, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!key_written) return unexpected(key_written.error());
  auto cert_written = write_pem(paths.certificate, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
  if (!cert_written) return unexpected(cert_written.error());
  return paths;
}

Result<std::shared_ptr<boost::asio::ssl::context>, std::string> make_server_context(const CertificatePaths& paths) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle TLS sessions give their read/write buffers back (tens of KiB each) until data comes.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_cipher_list(ctx,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  if (SSL_CTX_use_certificate_chain_file(ctx, paths.certificate.c_str()) != 1) {
    return unexpected(paths.certificate.string() + ": cannot load certificate: " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, paths.private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    return unexpected(paths.private_key.string() + ": cannot load private key: " + openssl_error());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return unexpected(paths.private_key.string() + ": does not match the certificate");
  }
  return context;
}

}  // namespace redoubt::net
