#pragma once

// Caseless matching of text for search: IMAP SEARCH compares a folded key with folded message
// text, so "É" finds "é", "STRASSE" finds "straße" and "ΣΊΣΥΦΟΣ" finds "σίσυφος".

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace redoubt::mime {

// `text` in Unicode's toNFKC_Casefold form (Unicode §3.13 D145, the NFKC_Casefold property ICU
// implements): full case folding (ß → ss, final ς → σ, İ → i + U+0307; Turkish dotless ı stays ı,
// as the default, language-independent folding has it), compatibility normalisation (ﬁ → fi,
// fullwidth Ａ → a, precomposed é and e + U+0301 alike) and default ignorables removed (soft
// hyphen, zero-width joiners). This is what RFC 5051's i;unicode-casemap aims at (Dovecot's
// comparator: titlecase, then decomposed), with full folding, so ß and ss match too.
//
// Two strings compare equal caselessly when their folded forms are equal, and a folded key found
// in folded text starts and ends on character boundaries. The result is valid UTF-8 whatever
// `text` holds: each byte of an ill-formed sequence becomes U+FFFD (RFC 3629 §4 forms only).
//
// Linear time: ASCII runs are lowercased here and only the rest goes through ICU; a run of more
// than 30 characters that each combine with the one before (UAX #15 §13 "stream-safe" bound) is
// folded in pieces, since canonical reordering is quadratic in a run's length. Such a run, never
// seen in real text, may fold differently from the standard form; the result is still a fixed
// function of the input. If ICU cannot fold (its data missing, out of memory), non-ASCII text is
// kept as it is and only ASCII letters are folded.
//
// Stops once the result holds about `max_bytes`, cut at a character boundary to at most
// `max_bytes` (folding can grow text: U+FDFA alone becomes 33 bytes).
// Pure; thread-safe.
std::string fold_for_search(std::string_view text,
                            std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

}  // namespace redoubt::mime
