#include "imap/proto/command_parser.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "base/ascii.h"
#include "imap/proto/cursor.h"
#include "imap/proto/grammar.h"

namespace redoubt::imap::proto {
namespace {

using Kind = SyntaxError::Kind;

// Looks `word` up, ignoring case, in a table of {keyword, value}.
template <class T>
const T* find_keyword(std::string_view word,
                      std::span<const std::pair<std::string_view, T>> table) {
  for (const auto& [keyword, value] : table) {
    if (ascii::iequals(word, keyword)) return &value;
  }
  return nullptr;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii::to_upper(c);
  return out;
}

// ---- Shared pieces ----------------------------------------------------------------------------

// RFC 9051 §9  mailbox = "INBOX" / astring. Kept as sent (see command.h).
std::string take_mailbox(Cursor& in) { return in.take_astring(); }

// RFC 9051 §9  flag = "\Answered" / ... / flag-keyword / flag-extension
//              flag-extension = "\" atom
// "\*" (flag-perm) and "\Recent" (RFC 3501 flag-fetch) are not flags a client may set.
std::string take_flag(Cursor& in) {
  const bool system = in.consume('\\');
  std::string_view atom = in.take_atom();
  if (in.failed()) return {};
  if (system && ascii::iequals(atom, "Recent")) {
    in.fail("\\Recent cannot be set");
    return {};
  }
  std::string flag = system ? "\\" : "";
  flag.append(atom);
  return flag;
}

// Reads "(" [item *(SP item)] ")" with `read_item`, bounded by max_list_items. `allow_empty`
// permits "()".
template <class T, class F>
std::vector<T> take_list(Cursor& in, bool allow_empty, F read_item) {
  std::vector<T> items;
  in.expect('(');
  if (!in.enter()) return items;
  if (!(allow_empty && in.peek() == ')')) {
    do {
      if (!in.allow_item(items.size())) break;
      items.push_back(read_item(in));
    } while (in.consume(' '));
  }
  in.expect(')');
  in.leave();
  return items;
}

// RFC 9051 §9  flag-list = "(" [flag *(SP flag)] ")"
std::vector<std::string> take_flag_list(Cursor& in) {
  return take_list<std::string>(in, true, take_flag);
}

// RFC 9051 §9 status-att (see StatusItem).
StatusItem take_status_item(Cursor& in) {
  static constexpr std::pair<std::string_view, StatusItem> kItems[] = {
      {"MESSAGES", StatusItem::kMessages},   {"UIDNEXT", StatusItem::kUidNext},
      {"UIDVALIDITY", StatusItem::kUidValidity}, {"UNSEEN", StatusItem::kUnseen},
      {"DELETED", StatusItem::kDeleted},     {"SIZE", StatusItem::kSize},
      {"RECENT", StatusItem::kRecent},       {"HIGHESTMODSEQ", StatusItem::kHighestModSeq},
      {"APPENDLIMIT", StatusItem::kAppendLimit},
  };
  const std::string_view atom = in.take_atom();
  const StatusItem* item = in.failed() ? nullptr : find_keyword<StatusItem>(atom, kItems);
  if (item == nullptr) {
    in.fail("unknown status item");
    return StatusItem::kMessages;
  }
  return *item;
}

std::vector<StatusItem> take_status_items(Cursor& in) {
  return take_list<StatusItem>(in, false, take_status_item);
}

// RFC 9051 §9  base64 = *(4base64-char) [base64-terminal], or "=" for an empty response
// (RFC 4959 §3 initial-resp).
bool is_base64(std::string_view s) {
  if (s == "=") return true;
  if (s.empty() || s.size() % 4 != 0) return false;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '=') {
      ++padding;
      if (i + 2 < s.size()) return false;
    } else if (padding > 0 || !(ascii::is_alnum(c) || c == '+' || c == '/')) {
      return false;
    }
  }
  return padding <= 2;
}

template <class T>
CommandArgs parse_no_arguments(Cursor&) {
  return T{};
}

// ---- Any state and not authenticated ----------------------------------------------------------

// RFC 2971 §4  id = "ID" SP id-params-list
//              id-params-list = "(" #(string SP nstring) ")" / nil
CommandArgs parse_id(Cursor& in) {
  constexpr std::size_t kMaxPairs = 30;      // RFC 2971 §3.3
  constexpr std::size_t kMaxField = 30;      // RFC 2971 §3.3
  constexpr std::size_t kMaxValue = 1024;    // RFC 2971 §3.3
  Id id;
  in.expect(' ');
  if (in.consume_keyword("NIL")) return id;
  id.fields.emplace();
  in.expect('(');
  if (in.peek() != ')') {
    do {
      if (id.fields->size() >= kMaxPairs) in.fail("too many ID fields", Kind::kLimit);
      std::string field = in.take_string();
      in.expect(' ');
      std::optional<std::string> value = in.take_nstring();
      if (field.size() > kMaxField || (value && value->size() > kMaxValue)) {
        in.fail("ID field or value too long", Kind::kLimit);
      }
      if (in.failed()) break;
      id.fields->emplace_back(std::move(field), std::move(value));
    } while (in.consume(' '));
  }
  in.expect(')');
  return id;
}

// RFC 9051 §6.2.2  authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp]
CommandArgs parse_authenticate(Cursor& in) {
  Authenticate auth;
  in.expect(' ');
  auth.mechanism = upper(in.take_atom());
  if (in.consume(' ')) {
    std::string_view response = in.take_atom();
    if (!in.failed() && !is_base64(response)) in.fail("invalid initial response");
    auth.initial_response = std::string(response);
  }
  return auth;
}

// RFC 9051 §6.2.3  login = "LOGIN" SP userid SP password
CommandArgs parse_login(Cursor& in) {
  Login login;
  in.expect(' ');
  login.user = in.take_astring();
  in.expect(' ');
  login.password = in.take_astring();
  return login;
}

// ---- Authenticated ----------------------------------------------------------------------------

// RFC 5161 §4  enable = "ENABLE" 1*(SP capability)
CommandArgs parse_enable(Cursor& in) {
  Enable enable;
  in.expect(' ');
  do {
    if (!in.allow_item(enable.capabilities.size())) break;
    enable.capabilities.emplace_back(in.take_atom());
  } while (in.consume(' '));
  return enable;
}

// RFC 7162 §7  "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
//              [SP seq-match-data] ")"; seq-match-data = "(" known-sequence-set SP
//              known-uid-set ")"
QresyncParams take_qresync(Cursor& in) {
  QresyncParams q;
  in.expect(' ');
  in.expect('(');
  q.uid_validity = in.take_nz_number();
  in.expect(' ');
  q.modseq = in.take_nz_number64();
  if (in.consume(' ')) {
    if (in.peek() != '(') {
      q.known_uids = in.take_sequence_set(false);
      if (in.peek() == ' ' && in.peek_second() == '(') in.consume(' ');
    }
    if (in.consume('(')) {
      SequenceSet seqs = in.take_sequence_set(false);
      in.expect(' ');
      SequenceSet uids = in.take_sequence_set(false);
      in.expect(')');
      q.sequence_match.emplace(std::move(seqs), std::move(uids));
    }
  }
  in.expect(')');
  return q;
}

// RFC 4466 §2.1  select-params = SP "(" select-param *(SP select-param) ")"
SelectParams take_select_params(Cursor& in) {
  SelectParams params;
  if (!in.consume(' ')) return params;
  in.expect('(');
  do {
    if (in.consume_keyword("CONDSTORE")) {  // RFC 7162 §3.1.8
      if (params.condstore) in.fail("CONDSTORE given twice");
      params.condstore = true;
    } else if (in.consume_keyword("QRESYNC")) {  // RFC 7162 §3.2.5
      if (params.qresync) in.fail("QRESYNC given twice");
      params.qresync = take_qresync(in);
    } else {
      in.fail("unknown select parameter");
    }
  } while (!in.failed() && in.consume(' '));
  in.expect(')');
  return params;
}

// RFC 9051 §6.3.2  select = "SELECT" SP mailbox [select-params]
CommandArgs parse_select(Cursor& in) {
  Select select;
  in.expect(' ');
  select.mailbox = take_mailbox(in);
  select.params = take_select_params(in);
  return select;
}

// RFC 9051 §6.3.3  examine = "EXAMINE" SP mailbox [select-params]
CommandArgs parse_examine(Cursor& in) {
  Examine examine;
  in.expect(' ');
  examine.mailbox = take_mailbox(in);
  examine.params = take_select_params(in);
  return examine;
}

// RFC 6154 §6  use-attr = "\All" / "\Archive" / "\Drafts" / "\Flagged" / "\Junk" / "\Sent" /
//              "\Trash" / use-attr-ext; use-attr-ext = "\" atom
std::string take_use_attr(Cursor& in) {
  in.expect('\\');
  std::string attr = "\\";
  attr.append(in.take_atom());
  return attr;
}

// RFC 9051 §6.3.4  create = "CREATE" SP mailbox [create-params]  (RFC 4466 §2.2)
// RFC 6154 §6      create-param =/ "USE" SP "(" [use-attr *(SP use-attr)] ")"
CommandArgs parse_create(Cursor& in) {
  Create create;
  in.expect(' ');
  create.mailbox = take_mailbox(in);
  if (in.consume(' ')) {
    in.expect('(');
    if (!in.consume_keyword("USE")) in.fail("unknown create parameter");
    in.expect(' ');
    create.special_use = take_list<std::string>(in, true, take_use_attr);
    in.expect(')');
  }
  return create;
}

template <class T>
CommandArgs parse_mailbox_only(Cursor& in) {
  in.expect(' ');
  return T{take_mailbox(in)};
}

// RFC 9051 §6.3.6  rename = "RENAME" SP mailbox SP mailbox
CommandArgs parse_rename(Cursor& in) {
  Rename rename;
  in.expect(' ');
  rename.from = take_mailbox(in);
  in.expect(' ');
  rename.to = take_mailbox(in);
  return rename;
}

// RFC 5258 §6  list-select-opts = "(" [...] ")"
ListSelection take_list_selection(Cursor& in) {
  ListSelection s;
  in.expect('(');
  if (in.peek() != ')') {
    do {
      if (in.consume_keyword("SUBSCRIBED")) {
        s.subscribed = true;
      } else if (in.consume_keyword("REMOTE")) {
        s.remote = true;
      } else if (in.consume_keyword("RECURSIVEMATCH")) {
        s.recursive_match = true;
      } else if (in.consume_keyword("SPECIAL-USE")) {  // RFC 6154 §3
        s.special_use = true;
      } else {
        in.fail("unknown LIST selection option");  // RFC 5258 §3: BAD
      }
    } while (!in.failed() && in.consume(' '));
  }
  in.expect(')');
  // RFC 5258 §3: RECURSIVEMATCH alone (without a base option) is an error.
  if (s.recursive_match && !s.subscribed && !s.special_use) {
    in.fail("RECURSIVEMATCH needs another selection option");
  }
  return s;
}

// RFC 5258 §6  list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
// RFC 5819 §4  return-option =/ status-option; status-option = "STATUS" SP "(" status-att ... ")"
ListReturn take_list_return(Cursor& in) {
  ListReturn r;
  if (!in.consume_keyword("RETURN")) in.fail("expected RETURN");
  in.expect(' ');
  in.expect('(');
  if (in.peek() != ')') {
    do {
      if (in.consume_keyword("SUBSCRIBED")) {
        r.subscribed = true;
      } else if (in.consume_keyword("CHILDREN")) {
        r.children = true;
      } else if (in.consume_keyword("SPECIAL-USE")) {  // RFC 6154 §3
        r.special_use = true;
      } else if (in.consume_keyword("STATUS")) {
        if (r.status) in.fail("STATUS given twice");
        in.expect(' ');
        r.status = take_status_items(in);
      } else {
        in.fail("unknown LIST return option");
      }
    } while (!in.failed() && in.consume(' '));
  }
  in.expect(')');
  return r;
}

// RFC 9051 §6.3.9  list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
//                  [SP list-return-opts]; mbox-or-pat = list-mailbox / patterns
//                  patterns = "(" list-mailbox *(SP list-mailbox) ")"
CommandArgs parse_list(Cursor& in) {
  List list;
  in.expect(' ');
  if (in.peek() == '(') {
    list.selection = take_list_selection(in);
    in.expect(' ');
  }
  list.reference = take_mailbox(in);
  in.expect(' ');
  if (in.peek() == '(') {
    list.patterns = take_list<std::string>(in, false, [](Cursor& c) {
      return c.take_list_mailbox();
    });
  } else {
    list.patterns.push_back(in.take_list_mailbox());
  }
  if (in.consume(' ')) list.returns = take_list_return(in);
  return list;
}

// RFC 3501 §6.3.9  lsub = "LSUB" SP mailbox SP list-mailbox
CommandArgs parse_lsub(Cursor& in) {
  Lsub lsub;
  in.expect(' ');
  lsub.reference = take_mailbox(in);
  in.expect(' ');
  lsub.pattern = in.take_list_mailbox();
  return lsub;
}

// RFC 9051 §6.3.11  status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
CommandArgs parse_status(Cursor& in) {
  Status status;
  in.expect(' ');
  status.mailbox = take_mailbox(in);
  in.expect(' ');
  status.items = take_status_items(in);
  return status;
}

// RFC 9051 §6.3.12 append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal
// RFC 3502 §6      append = "APPEND" SP mailbox 1*append-message
//                  append-message = append-opts SP append-data
// RFC 3516 §4.4    append-data =/ literal8
// RFC 6855 §4      append-data =/ "UTF8" SP "(" literal8 ")"
CommandArgs parse_append(Cursor& in) {
  Append append;
  in.expect(' ');
  append.mailbox = take_mailbox(in);
  while (!in.failed() && in.consume(' ')) {
    if (!in.allow_item(append.messages.size())) break;
    AppendMessage message;
    if (in.peek() == '(') {
      message.flags = take_flag_list(in);
      in.expect(' ');
    }
    if (in.peek() == '"') {
      const std::string text = in.take_quoted();
      message.internal_date = parse_date_time(text);
      if (!in.failed() && !message.internal_date) in.fail("invalid date-time");
      in.expect(' ');
    }
    Cursor::LiteralKind kind = Cursor::LiteralKind::kLiteral;
    if (in.consume_keyword("UTF8")) {
      in.expect(' ');
      in.expect('(');
      message.message = in.take_literal(true, &kind, &message.streamed_literal);
      if (kind != Cursor::LiteralKind::kLiteral8) in.fail("UTF8 needs a literal8");
      in.expect(')');
      message.encoding = AppendMessage::Encoding::kUtf8;
    } else {
      // The one place a streamed literal (CommandFramer) may be: a message.
      message.message = in.take_literal(true, &kind, &message.streamed_literal);
      message.encoding = kind == Cursor::LiteralKind::kLiteral8
                             ? AppendMessage::Encoding::kLiteral8
                             : AppendMessage::Encoding::kLiteral;
    }
    append.messages.push_back(std::move(message));
  }
  if (append.messages.empty()) in.fail("APPEND needs a message");
  return append;
}

// RFC 9208 §4.1  setquota = "SETQUOTA" SP quota-root-name SP setquota-list
//                setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")"
//                setquota-resource = resource-name SP resource-limit
CommandArgs parse_setquota(Cursor& in) {
  SetQuota quota;
  in.expect(' ');
  quota.root = in.take_astring();
  in.expect(' ');
  quota.limits = take_list<std::pair<std::string, std::uint64_t>>(in, true, [](Cursor& c) {
    std::string name = upper(c.take_atom());
    c.expect(' ');
    return std::pair<std::string, std::uint64_t>(std::move(name), c.take_number64());
  });
  return quota;
}

// RFC 4978 §3  compress = "COMPRESS" SP algorithm; algorithm = "DEFLATE" / atom
CommandArgs parse_compress(Cursor& in) {
  in.expect(' ');
  return Compress{upper(in.take_atom())};
}

// ---- Search -----------------------------------------------------------------------------------

SearchKey take_search_key(Cursor& in);

// What follows a search key's name.
enum class SearchArg {
  kNone, kString, kDate, kNumber, kSet, kKeyword, kHeader, kNot, kOr, kModSeq,
};

struct SearchKeySpec {
  std::string_view name;
  SearchKey::Kind kind;
  SearchArg arg;
};

// RFC 9051 §6.4.4 and §9 search-key; RFC 3501 NEW, OLD, RECENT; RFC 7162 §3.1.5 MODSEQ.
constexpr SearchKeySpec kSearchKeys[] = {
    {"ALL", SearchKey::Kind::kAll, SearchArg::kNone},
    {"ANSWERED", SearchKey::Kind::kAnswered, SearchArg::kNone},
    {"BCC", SearchKey::Kind::kBcc, SearchArg::kString},
    {"BEFORE", SearchKey::Kind::kBefore, SearchArg::kDate},
    {"BODY", SearchKey::Kind::kBody, SearchArg::kString},
    {"CC", SearchKey::Kind::kCc, SearchArg::kString},
    {"DELETED", SearchKey::Kind::kDeleted, SearchArg::kNone},
    {"DRAFT", SearchKey::Kind::kDraft, SearchArg::kNone},
    {"FLAGGED", SearchKey::Kind::kFlagged, SearchArg::kNone},
    {"FROM", SearchKey::Kind::kFrom, SearchArg::kString},
    {"HEADER", SearchKey::Kind::kHeader, SearchArg::kHeader},
    {"KEYWORD", SearchKey::Kind::kKeyword, SearchArg::kKeyword},
    {"LARGER", SearchKey::Kind::kLarger, SearchArg::kNumber},
    {"MODSEQ", SearchKey::Kind::kModSeq, SearchArg::kModSeq},
    {"NEW", SearchKey::Kind::kNew, SearchArg::kNone},
    {"NOT", SearchKey::Kind::kNot, SearchArg::kNot},
    {"OLD", SearchKey::Kind::kOld, SearchArg::kNone},
    {"ON", SearchKey::Kind::kOn, SearchArg::kDate},
    {"OR", SearchKey::Kind::kOr, SearchArg::kOr},
    {"RECENT", SearchKey::Kind::kRecent, SearchArg::kNone},
    {"SEEN", SearchKey::Kind::kSeen, SearchArg::kNone},
    {"SENTBEFORE", SearchKey::Kind::kSentBefore, SearchArg::kDate},
    {"SENTON", SearchKey::Kind::kSentOn, SearchArg::kDate},
    {"SENTSINCE", SearchKey::Kind::kSentSince, SearchArg::kDate},
    {"SINCE", SearchKey::Kind::kSince, SearchArg::kDate},
    {"SMALLER", SearchKey::Kind::kSmaller, SearchArg::kNumber},
    {"SUBJECT", SearchKey::Kind::kSubject, SearchArg::kString},
    {"TEXT", SearchKey::Kind::kText, SearchArg::kString},
    {"TO", SearchKey::Kind::kTo, SearchArg::kString},
    {"UID", SearchKey::Kind::kUid, SearchArg::kSet},
    {"UNANSWERED", SearchKey::Kind::kUnanswered, SearchArg::kNone},
    {"UNDELETED", SearchKey::Kind::kUndeleted, SearchArg::kNone},
    {"UNDRAFT", SearchKey::Kind::kUndraft, SearchArg::kNone},
    {"UNFLAGGED", SearchKey::Kind::kUnflagged, SearchArg::kNone},
    {"UNKEYWORD", SearchKey::Kind::kUnkeyword, SearchArg::kKeyword},
    {"UNSEEN", SearchKey::Kind::kUnseen, SearchArg::kNone},
};

// RFC 9051 §9  date = date-text / DQUOTE date-text DQUOTE
Date take_search_date(Cursor& in) {
  const std::string text = in.take_atom_or_quoted();
  const auto date = parse_date(text);
  if (!in.failed() && !date) in.fail("invalid date");
  return date.value_or(Date{});
}

// RFC 7162 §7  search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer
//              search-modseq-ext = SP entry-name SP entry-type-req
//              entry-name = entry-flag-name; entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE
//              entry-type-req = entry-type-resp / "all"; entry-type-resp = "priv" / "shared"
void take_modseq_criterion(Cursor& in, SearchKey& key) {
  if (in.peek() == '"') {
    key.entry_name = in.take_quoted();
    const std::string_view flag = std::string_view(key.entry_name).substr(
        std::min<std::size_t>(7, key.entry_name.size()));
    const bool system = !flag.empty() && flag[0] == '\\';
    if (!in.failed() && (!ascii::istarts_with(key.entry_name, "/flags/") ||
                         !grammar::is_atom(system ? flag.substr(1) : flag))) {
      in.fail("invalid MODSEQ entry name");
    }
    in.expect(' ');
    key.entry_type = upper(in.take_atom());
    if (!in.failed() && key.entry_type != "PRIV" && key.entry_type != "SHARED" &&
        key.entry_type != "ALL") {
      in.fail("invalid MODSEQ entry type");
    }
    in.expect(' ');
  }
  key.number = in.take_number64();
}

SearchKey take_search_key_after_name(Cursor& in, const SearchKeySpec& spec) {
  SearchKey key;
  key.kind = spec.kind;
  if (spec.arg == SearchArg::kNone) return key;
  in.expect(' ');
  switch (spec.arg) {
    case SearchArg::kNone:
      break;
    case SearchArg::kString:
      key.text = in.take_astring();
      break;
    case SearchArg::kDate:
      key.date = take_search_date(in);
      break;
    case SearchArg::kNumber:
      key.number = in.take_number64();
      break;
    case SearchArg::kSet:
      key.set = in.take_sequence_set();
      break;
    case SearchArg::kKeyword:  // RFC 9051 §9 flag-keyword = ... / atom
      key.text = std::string(in.take_atom());
      break;
    case SearchArg::kHeader:  // RFC 9051 §9 "HEADER" SP header-fld-name SP astring
      key.field = in.take_astring();
      in.expect(' ');
      key.text = in.take_astring();
      break;
    case SearchArg::kNot:
      if (!in.enter()) break;
      key.children.push_back(take_search_key(in));
      in.leave();
      break;
    case SearchArg::kOr:
      if (!in.enter()) break;
      key.children.push_back(take_search_key(in));
      in.expect(' ');
      key.children.push_back(take_search_key(in));
      in.leave();
      break;
    case SearchArg::kModSeq:
      take_modseq_criterion(in, key);
      break;
  }
  return key;
}

// RFC 9051 §9 search-key. NOT, OR and parentheses each count one level of depth, so their
// nesting (the parser's recursion) is bounded by ParseLimits::max_depth.
SearchKey take_search_key(Cursor& in) {
  SearchKey key;
  const char c = in.peek();
  if (c == '(') {  // take_list counts the level.
    key.kind = SearchKey::Kind::kGroup;
    key.children = take_list<SearchKey>(in, false, take_search_key);
    return key;
  }
  if (ascii::is_digit(c) || c == '*' || c == '$') {
    key.kind = SearchKey::Kind::kSequenceSet;
    key.set = in.take_sequence_set();
  } else {
    const std::string_view name = in.take_atom();
    const SearchKeySpec* spec = nullptr;
    for (const SearchKeySpec& s : kSearchKeys) {
      if (ascii::iequals(name, s.name)) spec = &s;
    }
    if (spec == nullptr) {
      in.fail("unknown search key");
    } else {
      key = take_search_key_after_name(in, *spec);
    }
  }
  return key;
}

// 1*(SP search-key) after a leading SP already consumed: the rest of the command.
std::vector<SearchKey> take_search_keys(Cursor& in) {
  std::vector<SearchKey> keys;
  do {
    if (!in.allow_item(keys.size())) break;
    keys.push_back(take_search_key(in));
  } while (!in.failed() && in.consume(' '));
  return keys;
}

// RFC 4731 §3 search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP ...)] ")"
// RFC 5182 §4 search-return-opt =/ "SAVE"
SearchReturn take_search_return(Cursor& in) {
  SearchReturn r;
  in.expect(' ');
  in.expect('(');
  if (in.peek() != ')') {
    do {
      if (in.consume_keyword("MIN")) {
        r.min = true;
      } else if (in.consume_keyword("MAX")) {
        r.max = true;
      } else if (in.consume_keyword("ALL")) {
        r.all = true;
      } else if (in.consume_keyword("COUNT")) {
        r.count = true;
      } else if (in.consume_keyword("SAVE")) {
        r.save = true;
      } else {
        in.fail("unknown search return option");
      }
    } while (!in.failed() && in.consume(' '));
  }
  in.expect(')');
  return r;
}

// RFC 9051 §6.4.4  search = "SEARCH" [search-return-opts] SP search-program
//                  search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
CommandArgs parse_search(Cursor& in) {
  Search search;
  in.expect(' ');
  if (in.consume_keyword("RETURN")) {
    search.returns = take_search_return(in);
    in.expect(' ');
  }
  if (in.consume_keyword("CHARSET")) {
    in.expect(' ');
    search.charset = in.take_atom_or_quoted();
    in.expect(' ');
  }
  search.keys = take_search_keys(in);
  return search;
}

// RFC 5256 §5  sort-criterion = ["REVERSE" SP] sort-key
SortCriterion take_sort_criterion(Cursor& in) {
  static constexpr std::pair<std::string_view, SortCriterion::Key> kKeys[] = {
      {"ARRIVAL", SortCriterion::Key::kArrival}, {"CC", SortCriterion::Key::kCc},
      {"DATE", SortCriterion::Key::kDate},       {"FROM", SortCriterion::Key::kFrom},
      {"SIZE", SortCriterion::Key::kSize},       {"SUBJECT", SortCriterion::Key::kSubject},
      {"TO", SortCriterion::Key::kTo},
  };
  SortCriterion criterion;
  if (in.consume_keyword("REVERSE")) {
    criterion.reverse = true;
    in.expect(' ');
  }
  const std::string_view name = in.take_atom();
  const auto* key = in.failed() ? nullptr : find_keyword<SortCriterion::Key>(name, kKeys);
  if (key == nullptr) {
    in.fail("unknown sort key");
  } else {
    criterion.key = *key;
  }
  return criterion;
}

// RFC 5256 §5  sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria
//              search-criteria = charset 1*(SP search-key)
CommandArgs parse_sort(Cursor& in) {
  Sort sort;
  in.expect(' ');
  sort.criteria = take_list<SortCriterion>(in, false, take_sort_criterion);
  in.expect(' ');
  sort.charset = in.take_atom_or_quoted();
  in.expect(' ');
  sort.keys = take_search_keys(in);
  return sort;
}

// RFC 5256 §5  thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
CommandArgs parse_thread(Cursor& in) {
  Thread thread;
  in.expect(' ');
  if (in.consume_keyword("REFERENCES")) {
    thread.algorithm = Thread::Algorithm::kReferences;
  } else if (in.consume_keyword("ORDEREDSUBJECT")) {
    thread.algorithm = Thread::Algorithm::kOrderedSubject;
  } else {
    in.fail("unknown thread algorithm");
  }
  in.expect(' ');
  thread.charset = in.take_atom_or_quoted();
  in.expect(' ');
  thread.keys = take_search_keys(in);
  return thread;
}

// ---- Fetch ------------------------------------------------------------------------------------

// RFC 9051 §9  section-part = nz-number *("." nz-number)
struct SectionPart {
  std::vector<std::uint32_t> part;
  bool text_follows = false;  // A "." after the numbers was read: a section-text must follow.
};

SectionPart take_section_part(Cursor& in) {
  SectionPart out;
  while (!in.failed() && ascii::is_digit(in.peek())) {
    if (out.part.size() >= in.limits().max_section_parts) {
      in.fail("section part too deep", Kind::kLimit);
      break;
    }
    out.part.push_back(in.take_nz_number());
    if (!in.consume('.')) break;
    if (!ascii::is_digit(in.peek())) {
      out.text_follows = true;  // "1.HEADER"
      break;
    }
  }
  return out;
}

// RFC 9051 §9  section = "[" [section-spec] "]"
//              section-spec = section-msgtext / (section-part ["." section-text])
//              section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
//              section-text = section-msgtext / "MIME"
Section take_section(Cursor& in) {
  Section section;
  in.expect('[');
  SectionPart part = take_section_part(in);
  section.part = std::move(part.part);
  const bool has_text = section.part.empty() ? in.peek() != ']' : part.text_follows;
  if (has_text && !in.failed()) {
    const std::string_view name = in.take_name();
    if (ascii::iequals(name, "HEADER")) {
      section.text = Section::Text::kHeader;
    } else if (ascii::iequals(name, "HEADER.FIELDS")) {
      section.text = Section::Text::kHeaderFields;
    } else if (ascii::iequals(name, "HEADER.FIELDS.NOT")) {
      section.text = Section::Text::kHeaderFieldsNot;
    } else if (ascii::iequals(name, "TEXT")) {
      section.text = Section::Text::kText;
    } else if (ascii::iequals(name, "MIME") && !section.part.empty()) {
      section.text = Section::Text::kMime;  // RFC 9051 §6.4.5: MIME only with a part.
    } else {
      in.fail("invalid section");
    }
    if (section.text == Section::Text::kHeaderFields ||
        section.text == Section::Text::kHeaderFieldsNot) {
      // RFC 9051 §9  header-list = "(" header-fld-name *(SP header-fld-name) ")"
      in.expect(' ');
      section.fields = take_list<std::string>(in, false, [](Cursor& c) {
        return c.take_astring();
      });
    }
  }
  in.expect(']');
  return section;
}

// RFC 3516 §4.1  section-binary = "[" [section-part] "]"
Section take_section_binary(Cursor& in) {
  Section section;
  in.expect('[');
  SectionPart part = take_section_part(in);
  if (part.text_follows) in.fail("invalid binary section");
  section.part = std::move(part.part);
  in.expect(']');
  return section;
}

// RFC 9051 §9  partial = "<" number64 "." nz-number64 ">"
std::optional<Partial> take_partial(Cursor& in) {
  if (!in.consume('<')) return std::nullopt;
  Partial partial;
  partial.offset = in.take_number64();
  in.expect('.');
  partial.count = in.take_nz_number64();
  in.expect('>');
  return partial;
}

// RFC 9051 §9 fetch-att, after its name (already read).
FetchItem take_fetch_item_after_name(Cursor& in, std::string_view name) {
  static constexpr std::pair<std::string_view, FetchItem::Kind> kSimple[] = {
      {"ENVELOPE", FetchItem::Kind::kEnvelope},
      {"FLAGS", FetchItem::Kind::kFlags},
      {"INTERNALDATE", FetchItem::Kind::kInternalDate},
      {"RFC822", FetchItem::Kind::kRfc822},
      {"RFC822.HEADER", FetchItem::Kind::kRfc822Header},
      {"RFC822.SIZE", FetchItem::Kind::kRfc822Size},
      {"RFC822.TEXT", FetchItem::Kind::kRfc822Text},
      {"BODYSTRUCTURE", FetchItem::Kind::kBodyStructure},
      {"UID", FetchItem::Kind::kUid},
      {"MODSEQ", FetchItem::Kind::kModSeq},  // RFC 7162 §3.1.4.1
  };
  FetchItem item;
  if (const auto* kind = find_keyword<FetchItem::Kind>(name, kSimple)) {
    item.kind = *kind;
  } else if (ascii::iequals(name, "BODY") && in.peek() != '[') {
    item.kind = FetchItem::Kind::kBody;
  } else if (ascii::iequals(name, "BODY") || ascii::iequals(name, "BODY.PEEK")) {
    item.kind = FetchItem::Kind::kBodySection;
    item.peek = name.size() > 4;
    item.section = take_section(in);
    item.partial = take_partial(in);
  } else if (ascii::iequals(name, "BINARY") || ascii::iequals(name, "BINARY.PEEK")) {
    item.kind = FetchItem::Kind::kBinary;  // RFC 3516 §4.1
    item.peek = name.size() > 6;
    item.section = take_section_binary(in);
    item.partial = take_partial(in);
  } else if (ascii::iequals(name, "BINARY.SIZE")) {
    item.kind = FetchItem::Kind::kBinarySize;  // RFC 3516 §4.2
    item.section = take_section_binary(in);
  } else {
    in.fail("unknown fetch item");
  }
  return item;
}

FetchItem take_fetch_item(Cursor& in) { return take_fetch_item_after_name(in, in.take_name()); }

// RFC 9051 §6.4.5: ALL, FAST and FULL are macros for these lists.
std::vector<FetchItem> expand_fetch_macro(std::string_view name) {
  using K = FetchItem::Kind;
  std::vector<K> kinds;
  if (ascii::iequals(name, "ALL")) {
    kinds = {K::kFlags, K::kInternalDate, K::kRfc822Size, K::kEnvelope};
  } else if (ascii::iequals(name, "FAST")) {
    kinds = {K::kFlags, K::kInternalDate, K::kRfc822Size};
  } else if (ascii::iequals(name, "FULL")) {
    kinds = {K::kFlags, K::kInternalDate, K::kRfc822Size, K::kEnvelope, K::kBody};
  }
  std::vector<FetchItem> items;
  for (K kind : kinds) items.push_back(FetchItem{kind});
  return items;
}

// RFC 9051 §6.4.5  fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
//                  "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
// RFC 4466 §2.4    fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"
// RFC 7162 §7      fetch-modifier =/ chgsince-fetch-mod / "VANISHED"
CommandArgs parse_fetch(Cursor& in) {
  Fetch fetch;
  in.expect(' ');
  fetch.set = in.take_sequence_set();
  in.expect(' ');
  if (in.peek() == '(') {
    fetch.items = take_list<FetchItem>(in, false, take_fetch_item);
  } else {
    const std::string_view name = in.take_name();
    fetch.items = expand_fetch_macro(name);
    if (fetch.items.empty()) fetch.items.push_back(take_fetch_item_after_name(in, name));
  }
  if (in.consume(' ')) {
    in.expect('(');
    do {
      if (in.consume_keyword("CHANGEDSINCE")) {
        if (fetch.changed_since) in.fail("CHANGEDSINCE given twice");
        in.expect(' ');
        fetch.changed_since = in.take_nz_number64();
      } else if (in.consume_keyword("VANISHED")) {
        if (fetch.vanished) in.fail("VANISHED given twice");
        fetch.vanished = true;
      } else {
        in.fail("unknown fetch modifier");
      }
    } while (!in.failed() && in.consume(' '));
    in.expect(')');
  }
  return fetch;
}

// ---- Store, copy, move ------------------------------------------------------------------------

// RFC 9051 §6.4.6  store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
//                  store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP
//                                    (flag-list / (flag *(SP flag)))
// RFC 7162 §7      store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer
CommandArgs parse_store(Cursor& in) {
  Store store;
  in.expect(' ');
  store.set = in.take_sequence_set();
  in.expect(' ');
  if (in.consume('(')) {
    do {
      if (!in.consume_keyword("UNCHANGEDSINCE")) in.fail("unknown store modifier");
      if (store.unchanged_since) in.fail("UNCHANGEDSINCE given twice");
      in.expect(' ');
      store.unchanged_since = in.take_number64();
    } while (!in.failed() && in.consume(' '));
    in.expect(')');
    in.expect(' ');
  }
  if (in.consume('+')) {
    store.mode = Store::Mode::kAdd;
  } else if (in.consume('-')) {
    store.mode = Store::Mode::kRemove;
  }
  const std::string_view name = in.take_name();
  if (ascii::iequals(name, "FLAGS.SILENT")) {
    store.silent = true;
  } else if (!ascii::iequals(name, "FLAGS")) {
    in.fail("expected FLAGS");
  }
  in.expect(' ');
  if (in.peek() == '(') {
    store.flags = take_flag_list(in);
  } else {
    do {
      if (!in.allow_item(store.flags.size())) break;
      store.flags.push_back(take_flag(in));
    } while (!in.failed() && in.consume(' '));
  }
  return store;
}

// RFC 9051 §6.4.7  copy = "COPY" SP sequence-set SP mailbox; §6.4.8 move likewise.
template <class T>
CommandArgs parse_copy_or_move(Cursor& in) {
  T out;
  in.expect(' ');
  out.set = in.take_sequence_set();
  in.expect(' ');
  out.mailbox = take_mailbox(in);
  return out;
}

// RFC 9051 §6.4.9  uid-expunge = "EXPUNGE" SP sequence-set
CommandArgs parse_uid_expunge(Cursor& in) {
  in.expect(' ');
  return UidExpunge{in.take_sequence_set()};
}

// ---- Dispatch ---------------------------------------------------------------------------------

struct CommandSpec {
  std::string_view name;
  CommandArgs (*parse)(Cursor&);
};

// Grammar only. Which session states may run a command is in imap/server.
constexpr CommandSpec kCommands[] = {
    {"CAPABILITY", parse_no_arguments<Capability>},
    {"NOOP", parse_no_arguments<Noop>},
    {"LOGOUT", parse_no_arguments<Logout>},
    {"ID", parse_id},
    {"STARTTLS", parse_no_arguments<Starttls>},
    {"AUTHENTICATE", parse_authenticate},
    {"LOGIN", parse_login},
    {"ENABLE", parse_enable},
    {"SELECT", parse_select},
    {"EXAMINE", parse_examine},
    {"CREATE", parse_create},
    {"DELETE", parse_mailbox_only<Delete>},
    {"RENAME", parse_rename},
    {"SUBSCRIBE", parse_mailbox_only<Subscribe>},
    {"UNSUBSCRIBE", parse_mailbox_only<Unsubscribe>},
    {"LIST", parse_list},
    {"LSUB", parse_lsub},
    {"NAMESPACE", parse_no_arguments<Namespace>},
    {"STATUS", parse_status},
    {"APPEND", parse_append},
    {"IDLE", parse_no_arguments<Idle>},
    {"GETQUOTA", parse_mailbox_only<GetQuota>},
    {"GETQUOTAROOT", parse_mailbox_only<GetQuotaRoot>},
    {"SETQUOTA", parse_setquota},
    {"COMPRESS", parse_compress},
    {"CHECK", parse_no_arguments<Check>},
    {"CLOSE", parse_no_arguments<Close>},
    {"UNSELECT", parse_no_arguments<Unselect>},
    {"EXPUNGE", parse_no_arguments<Expunge>},
    {"SEARCH", parse_search},
    {"SORT", parse_sort},
    {"THREAD", parse_thread},
    {"FETCH", parse_fetch},
    {"STORE", parse_store},
    {"COPY", parse_copy_or_move<Copy>},
    {"MOVE", parse_copy_or_move<Move>},
};

// RFC 9051 §6.4.9  uid = "UID" SP (copy / move / fetch / search / store / uid-expunge)
// RFC 5256 §5      sort / thread with "UID" too.
constexpr CommandSpec kUidCommands[] = {
    {"COPY", parse_copy_or_move<Copy>}, {"MOVE", parse_copy_or_move<Move>},
    {"FETCH", parse_fetch},             {"SEARCH", parse_search},
    {"STORE", parse_store},             {"EXPUNGE", parse_uid_expunge},
    {"SORT", parse_sort},               {"THREAD", parse_thread},
};

const CommandSpec* find_command(std::span<const CommandSpec> table, std::string_view name) {
  for (const CommandSpec& spec : table) {
    if (ascii::iequals(name, spec.name)) return &spec;
  }
  return nullptr;
}

// Marks the UID form on the commands that have one.
void set_uid(CommandArgs& args) {
  std::visit(
      [](auto& command) {
        if constexpr (requires { command.uid; }) command.uid = true;
      },
      args);
}

}  // namespace

Result<Command, SyntaxError> parse_command(std::string_view bytes, const ParseLimits& limits,
                                           std::span<const StreamedLiteral> streamed) {
  Cursor in(bytes, limits, streamed);
  // RFC 9051 §9  command = tag SP (command-any / ...) CRLF. Without the SP what was read is
  // not known to be the tag, so the error is untagged.
  std::string tag(in.take_tag());
  if (!in.consume(' ')) {
    in.fail("missing or invalid tag");
    tag.clear();
  }
  const std::string_view name = in.take_atom();
  const bool is_uid = !in.failed() && ascii::iequals(name, "UID");
  const CommandSpec* spec = nullptr;
  if (is_uid) {
    in.expect(' ');
    const std::string_view sub = in.take_atom();
    if (!in.failed()) spec = find_command(kUidCommands, sub);
  } else if (!in.failed()) {
    spec = find_command(kCommands, name);
  }
  if (spec == nullptr) {
    in.fail("unknown command", Kind::kUnknownCommand);
    return unexpected(in.error(std::move(tag)));
  }
  CommandArgs args = spec->parse(in);
  in.expect_end();
  if (is_uid) set_uid(args);
  // RFC 7162 §3.2.6: VANISHED only in UID FETCH, and only with CHANGEDSINCE.
  if (const auto* fetch = std::get_if<Fetch>(&args);
      fetch != nullptr && fetch->vanished && (!fetch->uid || !fetch->changed_since)) {
    in.fail("VANISHED needs UID FETCH and CHANGEDSINCE");
  }
  if (in.failed()) return unexpected(in.error(std::move(tag)));
  return Command{std::move(tag), std::move(args)};
}

Result<Command, SyntaxError> parse_command(std::string_view bytes, const ParseLimits& limits) {
  return parse_command(bytes, limits, {});
}

Result<Command, SyntaxError> parse_command(std::string_view bytes) {
  return parse_command(bytes, ParseLimits{}, {});
}

}  // namespace redoubt::imap::proto
