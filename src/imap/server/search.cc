#include "imap/server/search.h"

#include <algorithm>
#include <charconv>

#include "base/ascii.h"
#include "imap/proto/date_time.h"
#include "imap/proto/response_writer.h"
#include "mime/body_text.h"
#include "mime/charset.h"
#include "mime/date.h"
#include "mime/fold_for_search.h"
#include "mime/rfc2047.h"
#include "mime/text.h"

namespace redoubt::imap::server {
namespace {

using proto::SearchKey;
using Kind = proto::SearchKey::Kind;

// Deeper trees than this never match; the parser stops at ParseLimits::max_depth (16) anyway.
constexpr int kMaxKeyDepth = 64;

// INTERNALDATE values proto::date_time_from_unix() can represent (years 0000..9999).
constexpr std::int64_t kMinUnixSeconds = -62167219200;  // 0000-01-01T00:00:00Z
constexpr std::int64_t kMaxUnixSeconds = 253402300799;  // 9999-12-31T23:59:59Z

bool has_string_argument(Kind kind) {
  switch (kind) {
    case Kind::kBcc:
    case Kind::kBody:
    case Kind::kCc:
    case Kind::kFrom:
    case Kind::kHeader:
    case Kind::kSubject:
    case Kind::kText:
    case Kind::kTo:
      return true;
    default:
      return false;
  }
}

bool needs_message(Kind kind) {
  return has_string_argument(kind) || kind == Kind::kSentBefore || kind == Kind::kSentOn ||
         kind == Kind::kSentSince;
}

int compare_dates(const proto::Date& a, const proto::Date& b) {
  if (a.year != b.year) return a.year < b.year ? -1 : 1;
  if (a.month != b.month) return a.month < b.month ? -1 : 1;
  if (a.day != b.day) return a.day < b.day ? -1 : 1;
  return 0;
}

// RFC 9051 §9 sequence-set membership; "*" is `star`, "$" the saved UIDs (by UID).
bool in_set(const proto::SequenceSet& set, std::uint32_t number, std::uint32_t star,
            std::uint32_t uid, std::span<const std::uint32_t> saved_uids) {
  if (set.is_saved_result) return std::binary_search(saved_uids.begin(), saved_uids.end(), uid);
  for (const proto::SequenceRange& range : set.ranges) {
    const std::uint32_t a = range.first == proto::SequenceRange::kStar ? star : range.first;
    const std::uint32_t b = range.last == proto::SequenceRange::kStar ? star : range.last;
    if (number >= std::min(a, b) && number <= std::max(a, b)) return true;
  }
  return false;
}

bool has_keyword(const store::MessageInfo& info, std::string_view keyword) {
  return std::any_of(info.keywords.begin(), info.keywords.end(),
                     [&](const std::string& k) { return ascii::iequals(k, keyword); });
}

// Evaluates keys against one message, parsing it at most once and decoding its body at most once.
class Evaluator {
 public:
  Evaluator(const SearchMessage& message, const SearchContext& context)
      : message_(message), context_(context), info_(*message.info) {}

  bool all(std::span<const SearchKey> keys, int depth) {
    for (const SearchKey& key : keys) {
      if (!eval(key, depth)) return false;
    }
    return true;
  }

 private:
  bool eval(const SearchKey& key, int depth) {
    if (depth > kMaxKeyDepth) return false;
    using store::MessageFlags;
    switch (key.kind) {
      case Kind::kAll: return true;
      case Kind::kAnswered: return has_flag(MessageFlags::kAnswered);
      case Kind::kDeleted: return has_flag(MessageFlags::kDeleted);
      case Kind::kDraft: return has_flag(MessageFlags::kDraft);
      case Kind::kFlagged: return has_flag(MessageFlags::kFlagged);
      case Kind::kSeen: return has_flag(MessageFlags::kSeen);
      case Kind::kUnanswered: return !has_flag(MessageFlags::kAnswered);
      case Kind::kUndeleted: return !has_flag(MessageFlags::kDeleted);
      case Kind::kUndraft: return !has_flag(MessageFlags::kDraft);
      case Kind::kUnflagged: return !has_flag(MessageFlags::kFlagged);
      case Kind::kUnseen: return !has_flag(MessageFlags::kSeen);
      case Kind::kKeyword: return has_keyword(info_, key.text);
      case Kind::kUnkeyword: return !has_keyword(info_, key.text);
      // \Recent is not tracked (search.h): no message is recent.
      case Kind::kRecent: return false;
      case Kind::kNew: return false;
      case Kind::kOld: return true;
      case Kind::kLarger: return info_.size > key.number;
      case Kind::kSmaller: return info_.size < key.number;
      case Kind::kModSeq: return static_cast<std::uint64_t>(info_.modseq) >= key.number;
      case Kind::kUid:
        return in_set(key.set, uid(), context_.max_uid, uid(), context_.saved_uids);
      case Kind::kSequenceSet:
        return in_set(key.set, message_.seq, context_.max_seq, uid(), context_.saved_uids);
      case Kind::kBefore: return internal_date_compare(key.date) < 0;
      case Kind::kOn: return internal_date_compare(key.date) == 0;
      case Kind::kSince: return internal_date_compare(key.date) >= 0;
      case Kind::kSentBefore: {
        const std::optional<int> c = sent_date_compare(key.date);
        return c && *c < 0;
      }
      case Kind::kSentOn: {
        const std::optional<int> c = sent_date_compare(key.date);
        return c && *c == 0;
      }
      case Kind::kSentSince: {
        const std::optional<int> c = sent_date_compare(key.date);
        return c && *c >= 0;
      }
      case Kind::kBcc: return header_contains("Bcc", key.text);
      case Kind::kCc: return header_contains("Cc", key.text);
      case Kind::kFrom: return header_contains("From", key.text);
      case Kind::kTo: return header_contains("To", key.text);
      case Kind::kSubject: return header_contains("Subject", key.text);
      case Kind::kHeader: return header_contains(key.field, key.text);
      case Kind::kBody: {
        const std::string* body = body_text();
        return body != nullptr && body->find(key.text) != std::string::npos;
      }
      case Kind::kText: {
        const std::string* headers = header_text();
        if (headers == nullptr) return false;
        if (headers->find(key.text) != std::string::npos) return true;
        const std::string* body = body_text();
        return body != nullptr && body->find(key.text) != std::string::npos;
      }
      case Kind::kNot:
        return !key.children.empty() && !eval(key.children[0], depth + 1);
      case Kind::kOr:
        return key.children.size() == 2 &&
               (eval(key.children[0], depth + 1) || eval(key.children[1], depth + 1));
      case Kind::kGroup:
        return all(key.children, depth + 1);
    }
    return false;
  }

  std::uint32_t uid() const { return static_cast<std::uint32_t>(info_.uid); }

  bool has_flag(store::MessageFlags flag) const { return store::has_flags(info_.flags, flag); }

  // RFC 9051 §6.4.4 BEFORE/ON/SINCE: the INTERNALDATE's date in the server's zone against `date`.
  int internal_date_compare(const proto::Date& date) const {
    const std::int64_t t = std::clamp(info_.internal_date, kMinUnixSeconds, kMaxUnixSeconds);
    const proto::DateTime local =
        proto::date_time_from_unix(static_cast<std::time_t>(t), context_.zone_minutes);
    return compare_dates(local.date, date);
  }

  // SENTBEFORE/SENTON/SENTSINCE: <0, 0 or >0 comparing the Date: field's own date with `date`;
  // nullopt when the message or a parseable Date: field is missing: no SENT* key matches.
  std::optional<int> sent_date_compare(const proto::Date& date) {
    if (!sent_date_parsed_) {
      sent_date_parsed_ = true;
      if (const mime::Message* m = message()) {
        if (const mime::HeaderField* field = m->find(m->root(), "Date")) {
          sent_date_ = mime::parse_date_time(field->value);
        }
      }
    }
    if (!sent_date_) return std::nullopt;
    return compare_dates(proto::Date{sent_date_->year, sent_date_->month, sent_date_->day}, date);
  }

  // True if a top-level field named `name` holds `needle` (folded) in its decoded value; an empty
  // needle matches any message that has the field (RFC 9051 §6.4.4 HEADER).
  bool header_contains(std::string_view name, std::string_view needle) {
    const mime::Message* m = message();
    if (m == nullptr) return false;
    const std::span<const mime::HeaderField> fields = m->headers(m->root());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (!ascii::iequals(fields[i].name, name)) continue;
      if (needle.empty()) return true;
      if (folded_value(fields, i).find(needle) != std::string::npos) return true;
    }
    return false;
  }

  // The value of top-level field `i`, decoded and folded once per message however many keys
  // look at it. REQUIRES: message() != nullptr; `fields` its top-level header.
  const std::string& folded_value(std::span<const mime::HeaderField> fields, std::size_t i) {
    if (folded_values_.empty()) folded_values_.resize(fields.size());
    if (!folded_values_[i]) {
      folded_values_[i] = mime::fold_for_search(mime::decode_unstructured(fields[i].value));
    }
    return *folded_values_[i];
  }

  // The decoded top-level header fields, "name: value" lines, folded; nullptr without a message.
  const std::string* header_text() {
    if (header_text_) return &*header_text_;
    const mime::Message* m = message();
    if (m == nullptr) return nullptr;
    const std::span<const mime::HeaderField> fields = m->headers(m->root());
    std::string text;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      text += mime::fold_for_search(fields[i].name);
      text += ": ";
      text += folded_value(fields, i);
      text += '\n';
    }
    header_text_ = std::move(text);
    return &*header_text_;
  }

  // The decoded text of every text/* leaf part, folded, at most kMaxSearchBodyBytes of it before
  // and after folding; nullptr without a message.
  const std::string* body_text() {
    if (body_text_) return &*body_text_;
    const mime::Message* m = message();
    if (m == nullptr) return nullptr;
    std::string text;
    for (const mime::Part& part : m->parts()) {
      if (text.size() >= kMaxSearchBodyBytes) break;
      if (part.kind != mime::PartKind::kLeaf || !mime::is_type(part, "text")) continue;
      std::string decoded = mime::part_text(*m, part);
      if (mime::is_type(part, "text", "html")) decoded = mime::html_to_text(decoded);
      if (!text.empty()) text += "\n\n";
      text += decoded;
    }
    if (text.size() > kMaxSearchBodyBytes) text.resize(kMaxSearchBodyBytes);
    body_text_ = mime::fold_for_search(text, kMaxSearchBodyBytes);
    return &*body_text_;
  }

  const mime::Message* message() {
    if (!loaded_) {
      loaded_ = true;
      if (message_.load) parsed_ = message_.load();
    }
    return parsed_;
  }

  const SearchMessage& message_;
  const SearchContext& context_;
  const store::MessageInfo& info_;
  bool loaded_ = false;
  const mime::Message* parsed_ = nullptr;
  bool sent_date_parsed_ = false;
  std::optional<mime::DateTime> sent_date_;
  std::vector<std::optional<std::string>> folded_values_;  // By top-level field index.
  std::optional<std::string> header_text_;
  std::optional<std::string> body_text_;
};

template <class Predicate>
bool any_key(std::span<const SearchKey> keys, Predicate predicate, int depth = 0) {
  if (depth > kMaxKeyDepth) return false;
  for (const SearchKey& key : keys) {
    if (predicate(key.kind)) return true;
    if (any_key(std::span<const SearchKey>(key.children), predicate, depth + 1)) return true;
  }
  return false;
}

// Converts the search strings of `keys` in place from `charset` (nullopt: already UTF-8) to UTF-8,
// and folds them. Below kMaxKeyDepth keys are left as they are: they never match.
void prepare_keys(std::optional<std::string_view> charset, std::vector<SearchKey>& keys, int depth) {
  if (depth > kMaxKeyDepth) return;
  for (SearchKey& key : keys) {
    if (has_string_argument(key.kind)) {
      key.text = mime::fold_for_search(charset ? mime::to_utf8(*charset, key.text) : key.text);
    }
    prepare_keys(charset, key.children, depth + 1);
  }
}

void append_number(std::string& out, std::uint64_t n) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, n);
  out.append(buffer, result.ptr);
}

}  // namespace

Result<std::vector<SearchKey>, SearchError> search_keys_to_utf8(
    std::optional<std::string_view> charset, std::span<const SearchKey> keys) {
  if (charset && (ascii::iequals(*charset, "UTF-8") || ascii::iequals(*charset, "US-ASCII"))) {
    charset.reset();
  }
  if (charset && (charset->empty() || !mime::is_known_charset(*charset))) {
    return unexpected(SearchError::kBadCharset);
  }
  std::vector<SearchKey> out(keys.begin(), keys.end());
  // Folded here, once per command, rather than per message in matches().
  prepare_keys(charset, out, 0);
  return out;
}

bool matches(std::span<const SearchKey> keys, const SearchMessage& message,
             const SearchContext& context) {
  Evaluator evaluator(message, context);
  return evaluator.all(keys, 0);
}

bool needs_body(std::span<const SearchKey> keys) { return any_key(keys, needs_message); }

bool uses_modseq(std::span<const SearchKey> keys) {
  return any_key(keys, [](Kind kind) { return kind == Kind::kModSeq; });
}

std::string format_number_list_response(std::string_view name, std::span<const std::uint32_t> numbers,
                                        std::optional<std::uint64_t> highest_modseq) {
  std::string out = "* ";
  out += name;
  for (std::uint32_t n : numbers) {
    out += ' ';
    append_number(out, n);
  }
  if (highest_modseq && !numbers.empty()) {
    out += " (MODSEQ ";
    append_number(out, *highest_modseq);
    out += ')';
  }
  out += "\r\n";
  return out;
}

std::string format_search_response(std::span<const std::uint32_t> numbers,
                                   std::optional<std::uint64_t> highest_modseq) {
  return format_number_list_response("SEARCH", numbers, highest_modseq);
}

std::string format_esearch_response(std::string_view tag, bool uid,
                                    const proto::SearchReturn& returns,
                                    std::span<const std::uint32_t> numbers,
                                    std::optional<std::uint64_t> highest_modseq) {
  const bool only_save = returns.save && !returns.min && !returns.max && !returns.all &&
                         !returns.count;
  if (only_save) return {};
  // RFC 4731 §3.1: RETURN () is RETURN (ALL).
  const bool all = returns.all || (!returns.min && !returns.max && !returns.count);
  std::string out = "* ESEARCH (TAG ";
  proto::append_string(out, tag);
  out += ')';
  if (uid) out += " UID";
  if (!numbers.empty()) {
    if (returns.min) {
      out += " MIN ";
      append_number(out, numbers.front());
    }
    if (returns.max) {
      out += " MAX ";
      append_number(out, numbers.back());
    }
  }
  if (returns.count) {
    out += " COUNT ";
    append_number(out, numbers.size());
  }
  if (!numbers.empty()) {
    if (all) {
      out += " ALL ";
      out += proto::format_sequence_set(numbers);
    }
    if (highest_modseq) {
      out += " MODSEQ ";
      append_number(out, *highest_modseq);
    }
  }
  out += "\r\n";
  return out;
}

std::vector<std::uint32_t> saved_search_result(const proto::SearchReturn& returns,
                                               std::span<const std::uint32_t> numbers) {
  if ((returns.min || returns.max) && !returns.all && !returns.count && !numbers.empty()) {
    std::vector<std::uint32_t> out;
    if (returns.min) out.push_back(numbers.front());
    if (returns.max && (out.empty() || out.back() != numbers.back())) out.push_back(numbers.back());
    return out;
  }
  return {numbers.begin(), numbers.end()};
}

}  // namespace redoubt::imap::server
