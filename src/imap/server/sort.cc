#include "imap/server/sort.h"

#include <algorithm>

#include "base/ascii.h"
#include "imap/server/search.h"
#include "mime/address.h"
#include "mime/date.h"
#include "mime/rfc2047.h"

namespace redoubt::imap::server {
namespace {

using Key = proto::SortCriterion::Key;

// i;ascii-casemap (RFC 4790 §9.2): ASCII letters to upper case; compare the results as octets.
std::string casemap(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii::to_upper(c);
  return out;
}

// RFC 5256 §2.1 subj-blob = "[" *BLOBCHAR "]" *WSP at `pos`: its length, or 0. BLOBCHAR is any
// octet but "[" and "]"; 8-bit octets are accepted too (UTF-8 list tags), as Dovecot does.
std::size_t blob_length(std::string_view s, std::size_t pos) {
  if (pos >= s.size() || s[pos] != '[') return 0;
  const std::size_t close = s.find_first_of("[]", pos + 1);
  if (close == std::string_view::npos || s[close] != ']') return 0;
  std::size_t end = close + 1;
  while (end < s.size() && s[end] == ' ') ++end;
  return end - pos;
}

// RFC 5256 §2.1 subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" at `pos`: its length,
// or 0.
std::size_t refwd_length(std::string_view s, std::size_t pos) {
  const std::size_t start = pos;
  const std::string_view rest = s.substr(pos);
  if (ascii::istarts_with(rest, "re")) {
    pos += 2;
  } else if (ascii::istarts_with(rest, "fw")) {
    pos += 2;
    if (pos < s.size() && ascii::to_lower(s[pos]) == 'd') ++pos;
  } else {
    return 0;
  }
  while (pos < s.size() && s[pos] == ' ') ++pos;
  pos += blob_length(s, pos);
  if (pos >= s.size() || s[pos] != ':') return 0;
  return pos + 1 - start;
}

// What one SORT needs of a message, computed once before sorting.
struct SortKeys {
  std::int64_t arrival = 0;
  std::int64_t date = 0;
  std::uint64_t size = 0;
  std::string cc, from, to, subject;  // Casemapped.
};

bool needs_header(Key key) {
  return key == Key::kCc || key == Key::kDate || key == Key::kFrom || key == Key::kSubject ||
         key == Key::kTo;
}

// The casemapped addr-mailbox of the first mailbox in the first `name` field, or "".
std::string first_mailbox(const mime::Message* message, std::string_view name) {
  if (message == nullptr) return {};
  const mime::HeaderField* field = message->find(message->root(), name);
  if (field == nullptr) return {};
  for (const mime::Address& address : mime::parse_address_list(field->value)) {
    if (address.kind == mime::Address::Kind::kMailbox) return casemap(address.mailbox);
  }
  return {};
}

template <class T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int compare_key(Key key, const SortKeys& a, const SortKeys& b) {
  switch (key) {
    case Key::kArrival: return three_way(a.arrival, b.arrival);
    case Key::kCc: return three_way(a.cc, b.cc);
    case Key::kDate: return three_way(a.date, b.date);
    case Key::kFrom: return three_way(a.from, b.from);
    case Key::kSize: return three_way(a.size, b.size);
    case Key::kSubject: return three_way(a.subject, b.subject);
    case Key::kTo: return three_way(a.to, b.to);
  }
  return 0;
}

}  // namespace

BaseSubject base_subject(std::string_view raw_subject) {
  // (1) RFC 2047 decoding, unfolding; every whitespace run becomes one space.
  const std::string decoded = mime::decode_unstructured(raw_subject);
  std::string normalized;
  normalized.reserve(decoded.size());
  bool in_space = false;
  for (char c : decoded) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (!in_space) normalized += ' ';
      in_space = true;
    } else {
      normalized += c;
      in_space = false;
    }
  }

  bool reply = false;
  std::string_view s = normalized;
  for (;;) {
    // (2) subj-trailer = "(fwd)" / WSP, removed from the end until none is left.
    for (;;) {
      if (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
      } else if (s.size() >= 5 && ascii::iequals(s.substr(s.size() - 5), "(fwd)")) {
        s.remove_suffix(5);
        reply = true;
      } else {
        break;
      }
    }
    // (3) subj-leader = (*subj-blob subj-refwd) / WSP, (4) a subj-blob that leaves a
    // non-empty subj-base, (5) both repeated. When no subj-refwd follows a run of blobs, (3)
    // keeps failing at the same place while (4) removes the blobs one by one, so they are
    // removed at once (all but the last if nothing would follow it): linear, not quadratic.
    for (;;) {
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
      std::size_t end = 0;
      std::size_t last_blob = 0;
      while (std::size_t blob = blob_length(s, end)) {
        last_blob = end;
        end += blob;
      }
      if (std::size_t refwd = refwd_length(s, end)) {
        s.remove_prefix(end + refwd);
        reply = true;
        continue;
      }
      // A blob eats its trailing spaces: what follows the run, if anything, is subj-base.
      s.remove_prefix(end < s.size() ? end : last_blob);
      break;
    }
    // (6) subj-fwd-hdr "[fwd:" ... subj-fwd-trl "]": unwrap and start again from (2).
    if (s.size() >= 6 && ascii::istarts_with(s, "[fwd:") && s.back() == ']') {
      s = s.substr(5, s.size() - 6);
      reply = true;
      continue;
    }
    break;
  }
  // (7)
  return BaseSubject{std::string(s), reply};
}

std::int64_t sent_date(const mime::Message* message, std::int64_t internal_date) {
  if (message == nullptr) return internal_date;
  const mime::HeaderField* field = message->find(message->root(), "Date");
  if (field == nullptr) return internal_date;
  const std::optional<mime::DateTime> date = mime::parse_date_time(field->value);
  return date ? mime::to_unix_seconds(*date) : internal_date;
}

std::vector<std::size_t> sort_messages(std::span<const SortInput> messages,
                                       std::span<const proto::SortCriterion> criteria) {
  const bool load = std::any_of(criteria.begin(), criteria.end(),
                                [](const proto::SortCriterion& c) { return needs_header(c.key); });
  std::vector<SortKeys> keys(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const SortInput& input = messages[i];
    SortKeys& k = keys[i];
    k.arrival = input.internal_date;
    k.size = input.size;
    k.date = input.internal_date;
    if (!load) continue;
    const mime::Message* message = input.load ? input.load() : nullptr;
    for (const proto::SortCriterion& criterion : criteria) {
      switch (criterion.key) {
        case Key::kCc: k.cc = first_mailbox(message, "Cc"); break;
        case Key::kFrom: k.from = first_mailbox(message, "From"); break;
        case Key::kTo: k.to = first_mailbox(message, "To"); break;
        case Key::kDate: k.date = sent_date(message, input.internal_date); break;
        case Key::kSubject: {
          const mime::HeaderField* field =
              message ? message->find(message->root(), "Subject") : nullptr;
          k.subject = field ? casemap(base_subject(field->value).text) : std::string();
          break;
        }
        case Key::kArrival:
        case Key::kSize: break;
      }
    }
  }

  std::vector<std::size_t> order(messages.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (const proto::SortCriterion& criterion : criteria) {
      int c = compare_key(criterion.key, keys[a], keys[b]);
      if (criterion.reverse) c = -c;
      if (c != 0) return c < 0;
    }
    // RFC 5256 §3: the implicit last key is the sequence number, never reversed.
    if (messages[a].seq != messages[b].seq) return messages[a].seq < messages[b].seq;
    return a < b;
  });
  return order;
}

std::string format_sort_response(std::span<const std::uint32_t> numbers,
                                 std::optional<std::uint64_t> highest_modseq) {
  return format_number_list_response("SORT", numbers, highest_modseq);
}

}  // namespace redoubt::imap::server
