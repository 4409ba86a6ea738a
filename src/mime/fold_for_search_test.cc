#include "mime/fold_for_search.h"

#include <gtest/gtest.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/utf8.h"

namespace redoubt::mime {
namespace {

// ICU's NFKC_Casefold of all of `text` at once: what fold_for_search must equal on well-formed,
// stream-safe text, however it splits the work.
std::string icu_fold(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
  EXPECT_TRUE(U_SUCCESS(status));
  std::string out;
  icu::StringByteSink<std::string> sink(&out);
  normalizer->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())),
                            sink, nullptr, status);
  EXPECT_TRUE(U_SUCCESS(status));
  return out;
}

TEST(FoldForSearch, Table) {
  struct Case {
    std::string_view input;
    std::string_view want;
  };
  const Case cases[] = {
      {"", ""},
      {"Hello WORLD, 42 [Re: X]", "hello world, 42 [re: x]"},
      // Latin-1 letters, in and out of ASCII context.
      {"\xC3\x89T\xC3\x89 \xC3\x87" "a", "\xC3\xA9t\xC3\xA9 \xC3\xA7" "a"},  // ÉTÉ Ça
      {"Caf\xC3\x89", "caf\xC3\xA9"},
      // Full folding: ß and capital ẞ are ss.
      {"Stra\xC3\x9F" "e", "strasse"},
      {"STRASSE", "strasse"},
      {"STRA\xE1\xBA\x9E" "E", "strasse"},
      // Greek: final sigma folds like medial sigma; tonos kept.
      {"\xCE\xA3\xCE\x8A\xCE\xA3\xCE\xA5\xCE\xA6\xCE\x9F\xCE\xA3",        // ΣΊΣΥΦΟΣ
       "\xCF\x83\xCE\xAF\xCF\x83\xCF\x85\xCF\x86\xCE\xBF\xCF\x83"},      // σίσυφοσ
      {"\xCF\x83\xCE\xAF\xCF\x83\xCF\x85\xCF\x86\xCE\xBF\xCF\x82",        // σίσυφος
       "\xCF\x83\xCE\xAF\xCF\x83\xCF\x85\xCF\x86\xCE\xBF\xCF\x83"},
      // Cyrillic.
      {"\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2 \xD0\x9C\xD0\xB8\xD1\x80",  // ПРИВЕТ Мир
       "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 \xD0\xBC\xD0\xB8\xD1\x80"},
      // Turkish, by the default (not Turkic) folding: I is i, dotless ı stays, İ is i + U+0307.
      {"I", "i"},
      {"\xC4\xB1", "\xC4\xB1"},
      {"\xC4\xB0", "i\xCC\x87"},
      // Compatibility forms and canonical equivalence.
      {"\xEF\xAC\x81" "le", "file"},              // ﬁ ligature
      {"\xEF\xBC\xA1\xEF\xBC\xA2", "ab"},         // fullwidth ＡＢ
      {"e\xCC\x81t\xC3\xA9", "\xC3\xA9t\xC3\xA9"},   // e + U+0301 composes with the ASCII e
      {"CAFE\xCC\x81", "caf\xC3\xA9"},            // ...and with a folded ASCII E
      // Default ignorables go: soft hyphen, zero-width joiner.
      {"co\xC2\xAD" "operate", "cooperate"},
      {"a\xE2\x80\x8D" "b", "ab"},
      // Expansion: one character, 33 bytes.
      {"\xEF\xB7\xBA", "\xD8\xB5\xD9\x84\xD9\x89 \xD8\xA7\xD9\x84\xD9\x84\xD9\x87 "
                       "\xD8\xB9\xD9\x84\xD9\x8A\xD9\x87 \xD9\x88\xD8\xB3\xD9\x84\xD9\x85"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(fold_for_search(c.input), c.want);
  }
}

TEST(FoldForSearch, IllFormedBytesBecomeReplacementCharacters) {
  struct Case {
    std::string_view input;
    std::string_view want;
  };
  const Case cases[] = {
      {"CAF\xE9", "caf\xEF\xBF\xBD"},                                  // Latin-1 é
      {"A\xC3", "a\xEF\xBF\xBD"},                                      // truncated at the end
      {"\xC3 B", "\xEF\xBF\xBD b"},                                    // lead byte, no trail
      {"\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"},                        // overlong
      {"\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},        // surrogate
      {"\xFF\xC3\x89", "\xEF\xBF\xBD\xC3\xA9"},                        // valid É after junk
      {std::string_view("a\0B", 3), std::string_view("a\0b", 3)},     // NUL is a character
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(fold_for_search(c.input), c.want);
  }
  // Whatever the bytes, the result is UTF-8.
  std::uint32_t state = 7;
  for (int n = 0; n < 2000; ++n) {
    std::string bytes;
    for (int k = 0; k < n % 40; ++k) {
      state = state * 1103515245 + 12345;
      bytes.push_back(static_cast<char>(state >> 23));
    }
    EXPECT_TRUE(is_utf8(fold_for_search(bytes))) << n;
  }
}

// The work is split into ASCII runs and pieces for ICU; the result must not show it. Text built
// to put every kind of seam (short and long ASCII runs, marks after ASCII letters, pieces longer
// than the 64 KiB a piece may grow to) many times over.
TEST(FoldForSearch, SameAsFoldingAllAtOnce) {
  const std::string_view words[] = {
      "Gr\xC3\xBC\xC3\x9F" "e",                      // Grüße
      "E\xCC\x81",                                   // E + U+0301
      "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0",  // Москва
      "\xCE\x8C\xCE\xBB\xCE\xB1",                    // Όλα
      "\xEF\xAC\x81",                                // ﬁ
      "\xE1\x84\x80\xE1\x85\xA1",                    // Hangul L + V jamo: compose to 가
      "\xE6\x9D\xB1\xE4\xBA\xAC",                    // 東京
      "a\xCC\x96\xCC\x81\xCC\x96",                   // marks to reorder
      "\xF0\x9F\x98\x80",                            // emoji (4 bytes)
  };

  std::string text;
  std::uint32_t state = 1;
  while (text.size() < 300 * 1024) {
    state = state * 1103515245 + 12345;
    text += words[(state >> 16) % std::size(words)];
    text.append((state >> 8) % 40, (state & 1) != 0 ? 'X' : ' ');  // ASCII runs of 0..39
  }
  EXPECT_EQ(fold_for_search(text), icu_fold(text));

  // Runs of Α, then U+0301: not every character of a long non-ASCII run is asked whether it
  // combines with the one before, but the mark must still compose with the last Α (into ά).
  std::string alphas;
  for (int k = 1; k <= 100; ++k) {
    alphas += "\xCE\x91";
    const std::string text = alphas + "\xCC\x81";
    ASSERT_EQ(fold_for_search(text), icu_fold(text)) << k;
  }

  // One long non-ASCII run, so the pieces end at the size bound, not at ASCII.
  std::string cyrillic;
  while (cyrillic.size() < 200 * 1024) cyrillic += "\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2";
  EXPECT_EQ(fold_for_search(cyrillic), icu_fold(cyrillic));
}

TEST(FoldForSearch, IdempotentOnRealText) {
  for (std::string_view text :
       {"Stra\xC3\x9F" "e", "\xC4\xB0stanbul", "\xEF\xB7\xBA", "E\xCC\x81\xCC\x96",
        "\xCE\xA3\xCE\x8A\xCE\xA3\xCE\xA5\xCE\xA6\xCE\x9F\xCE\xA3", "\xE2\x84\xAB"}) {  // Å sign
    SCOPED_TRACE(text);
    const std::string once = fold_for_search(text);
    EXPECT_EQ(fold_for_search(once), once);
  }
}

TEST(FoldForSearch, StopsAtMaxBytesOnACharacterBoundary) {
  EXPECT_EQ(fold_for_search("ABCDEF", 3), "abc");
  EXPECT_EQ(fold_for_search("\xC3\x89\xC3\x89\xC3\x89", 3), "\xC3\xA9");    // ÉÉÉ: 2 of 3 bytes
  EXPECT_EQ(fold_for_search("AB\xC3\x89", 3), "ab");
  EXPECT_EQ(fold_for_search("\xEF\xB7\xBA\xEF\xB7\xBA", 34).size(), 33u);  // U+FDFA grows
  EXPECT_EQ(fold_for_search("\xC3\x89", 0), "");
  std::string long_text(100000, 'x');
  long_text += "\xC3\x89";
  EXPECT_EQ(fold_for_search(long_text, 10), std::string(10, 'x'));
}

// Canonical reordering is quadratic in the length of a run of combining marks (ICU takes ~14 s
// for 100,000 alternating marks); such runs are folded in stream-safe pieces (UAX #15 §13), so
// this takes milliseconds.
TEST(FoldForSearch, LongRunsOfCombiningMarksStayLinear) {
  std::string text = "a";
  for (int i = 0; i < 200000; ++i) text += (i % 2 == 0) ? "\xCC\x81" : "\xCC\x96";  // ccc 230, 220
  const auto start = std::chrono::steady_clock::now();
  const std::string folded = fold_for_search(text);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  // Reordered in pieces, nothing lost: only a + U+0301 compose (into á, one byte shorter).
  EXPECT_EQ(folded.size(), text.size() - 1);
  EXPECT_TRUE(is_utf8(folded));
}

}  // namespace
}  // namespace redoubt::mime
