// fuzz-deps: redoubt_mime
// Search folding (IMAP SEARCH keys and message text): any bytes give valid UTF-8, folding is
// idempotent, and a size cap gives a valid prefix of the whole result.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "mime/fold_for_search.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using redoubt::mime::fold_for_search;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string folded = fold_for_search(input);
  if (!redoubt::is_utf8(folded)) std::abort();
  // Idempotent (NFKC_Casefold is). Only for inputs too short to hold a run of more than 30
  // combining marks, the one case folded in pieces and documented as possibly different.
  if (size <= 60 && fold_for_search(folded) != folded) std::abort();
  // The cap: at most max_bytes, valid UTF-8, and a prefix of the uncapped result.
  const std::size_t cap = size == 0 ? 0 : data[0] * 4u;
  const std::string capped = fold_for_search(input, cap);
  if (capped.size() > cap || !redoubt::is_utf8(capped)) std::abort();
  if (folded.compare(0, capped.size(), capped) != 0) std::abort();
  return 0;
}
