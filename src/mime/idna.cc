#include "mime/idna.h"

#include <idn2.h>

#include <cstdlib>
#include <memory>

#include "base/ascii.h"

namespace redoubt::mime {
namespace {

struct FreeDeleter {
  void operator()(char* p) const { idn2_free(p); }
};

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

std::string domain_to_unicode(std::string_view domain) {
  if (domain.empty() || domain.front() == '[' || has_nul(domain) || domain.size() > 1024) {
    return std::string(domain);
  }
  bool has_alabel = false;
  for (std::size_t i = 0; i + 4 <= domain.size(); ++i) {
    if ((i == 0 || domain[i - 1] == '.') && ascii::istarts_with(domain.substr(i), "xn--")) {
      has_alabel = true;
      break;
    }
  }
  if (!has_alabel) return std::string(domain);
  // A-labels are case-insensitive (RFC 5891 §5.4); libidn2 keeps the case of ASCII labels.
  std::string input = ascii::lower(domain);
  char* output = nullptr;
  int rc = idn2_to_unicode_8z8z(input.c_str(), &output, 0);
  std::unique_ptr<char, FreeDeleter> owned(output);
  if (rc != IDN2_OK || output == nullptr) return input;
  return std::string(output);
}

std::optional<std::string> domain_to_ascii(std::string_view domain) {
  if (domain.empty() || has_nul(domain) || domain.size() > 1024) return std::nullopt;
  std::string input(domain);
  char* output = nullptr;
  int rc = idn2_to_ascii_8z(input.c_str(), &output, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  std::unique_ptr<char, FreeDeleter> owned(output);
  if (rc != IDN2_OK || output == nullptr) return std::nullopt;
  return std::string(output);
}

}  // namespace redoubt::mime
