#pragma once

// Cryptographically secure random bytes (OpenSSL's DRBG) for keys, session ids and salts.

#include <cstddef>
#include <string>

namespace redoubt {

// `n` random bytes. Aborts if the system's random source fails: nothing secure can follow.
std::string random_bytes(std::size_t n);

// `n` random bytes as lowercase hex (2n characters).
std::string random_hex(std::size_t n);

// Compares secrets in time that depends only on the lengths, never on the contents.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace redoubt
