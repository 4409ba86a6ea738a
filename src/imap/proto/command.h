#pragma once

// Typed IMAP commands, as parse_command() (command_parser.h) returns them and to_wire()
// (command_writer.h) writes them. Values only: which commands a session state allows, and what
// the server does, are decided in imap/server.
//
// Conventions for every type below:
// - Mailbox names, patterns and flags stay as sent. Decoding modified UTF-7 (mutf7.h) depends on
//   whether the session enabled UTF8=ACCEPT (RFC 9051 §5.1, RFC 6855 §3), and "INBOX" is
//   case-insensitive (RFC 9051 §5.1); imap/server applies both.
// - Strings hold the value after unquoting or reading the literal: never NUL, CR or LF unless
//   the field says otherwise (only literals may carry CR and LF, only literal8 NUL).
// - Keywords the grammar fixes (command names, FETCH items, search keys ...) become enumerators;
//   case in the input does not matter (RFC 9051 §9: "case-insensitive").
// - Lists are bounded by ParseLimits (command_parser.h); parse order is kept.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "imap/proto/date_time.h"
#include "imap/proto/sequence_set.h"

namespace redoubt::imap::proto {

// ---- Any state (RFC 9051 §6.1) -------------------------------------------------------------

// RFC 9051 §6.1.1
struct Capability {
  bool operator==(const Capability&) const = default;
};

// RFC 9051 §6.1.2
struct Noop {
  bool operator==(const Noop&) const = default;
};

// RFC 9051 §6.1.3
struct Logout {
  bool operator==(const Logout&) const = default;
};

// RFC 2971 §3.1 ID: the client's identification. nullopt for "ID NIL". Fields are strings (at
// most 30 octets), values nstrings (at most 1024 octets), at most 30 pairs.
struct Id {
  using Field = std::pair<std::string, std::optional<std::string>>;
  std::optional<std::vector<Field>> fields;
  bool operator==(const Id&) const = default;
};

// ---- Not authenticated (RFC 9051 §6.2) ------------------------------------------------------

// RFC 9051 §6.2.1
struct Starttls {
  bool operator==(const Starttls&) const = default;
};

// RFC 9051 §6.2.2 AUTHENTICATE SP auth-type [SP initial-resp] (RFC 4959 SASL-IR).
// `mechanism` is upper-cased. `initial_response` is the base64 text as sent, not decoded; "="
// stands for an empty response (RFC 4959 §3).
struct Authenticate {
  std::string mechanism;
  std::optional<std::string> initial_response;
  bool operator==(const Authenticate&) const = default;
};

// RFC 9051 §6.2.3 LOGIN SP userid SP password. Both may hold any octet but NUL (literals).
struct Login {
  std::string user;
  std::string password;
  bool operator==(const Login&) const = default;
};

// ---- Authenticated (RFC 9051 §6.3) ----------------------------------------------------------

// RFC 5161 §3.1 ENABLE 1*(SP capability). Capability names as sent (compare ignoring case).
struct Enable {
  std::vector<std::string> capabilities;
  bool operator==(const Enable&) const = default;
};

// RFC 7162 §3.2.5 QRESYNC select parameter:
//   "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
struct QresyncParams {
  std::uint32_t uid_validity = 0;   // nz-number
  std::uint64_t modseq = 0;         // mod-sequence-value, 1..2^63-1
  std::optional<SequenceSet> known_uids;
  // seq-match-data = "(" known-sequence-set SP known-uid-set ")"
  std::optional<std::pair<SequenceSet, SequenceSet>> sequence_match;
  bool operator==(const QresyncParams&) const = default;
};

// RFC 4466 §2.1 select-params of SELECT and EXAMINE.
struct SelectParams {
  bool condstore = false;                // RFC 7162 §3.1.8 "CONDSTORE"
  std::optional<QresyncParams> qresync;  // RFC 7162 §3.2.5
  bool operator==(const SelectParams&) const = default;
};

// RFC 9051 §6.3.2
struct Select {
  std::string mailbox;
  SelectParams params;
  bool operator==(const Select&) const = default;
};

// RFC 9051 §6.3.3
struct Examine {
  std::string mailbox;
  SelectParams params;
  bool operator==(const Examine&) const = default;
};

// RFC 9051 §6.3.4, with RFC 6154 §3 CREATE-SPECIAL-USE: "USE" SP "(" [use-attr *(SP use-attr)]
// ")". `special_use` holds the attributes as sent, e.g. "\\Drafts"; nullopt without USE.
struct Create {
  std::string mailbox;
  std::optional<std::vector<std::string>> special_use;
  bool operator==(const Create&) const = default;
};

// RFC 9051 §6.3.5
struct Delete {
  std::string mailbox;
  bool operator==(const Delete&) const = default;
};

// RFC 9051 §6.3.6
struct Rename {
  std::string from;
  std::string to;
  bool operator==(const Rename&) const = default;
};

// RFC 9051 §6.3.7
struct Subscribe {
  std::string mailbox;
  bool operator==(const Subscribe&) const = default;
};

// RFC 9051 §6.3.8
struct Unsubscribe {
  std::string mailbox;
  bool operator==(const Unsubscribe&) const = default;
};

// RFC 9051 §9 status-att, with RFC 3501 RECENT, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE
// (STATUS=SIZE) and RFC 7889 APPENDLIMIT.
enum class StatusItem {
  kMessages,
  kUidNext,
  kUidValidity,
  kUnseen,
  kDeleted,
  kSize,
  kRecent,
  kHighestModSeq,
  kAppendLimit,
};

// RFC 5258 §3 LIST-EXTENDED selection options (list-select-opts), with RFC 6154 SPECIAL-USE.
// RECURSIVEMATCH is only accepted together with SUBSCRIBED or SPECIAL-USE (RFC 5258 §3).
struct ListSelection {
  bool subscribed = false;
  bool remote = false;
  bool recursive_match = false;
  bool special_use = false;
  bool operator==(const ListSelection&) const = default;
};

// RFC 5258 §3 list-return-opts, with RFC 6154 SPECIAL-USE and RFC 5819 STATUS.
struct ListReturn {
  bool subscribed = false;
  bool children = false;
  bool special_use = false;
  std::optional<std::vector<StatusItem>> status;  // Never an empty list.
  bool operator==(const ListReturn&) const = default;
};

// RFC 9051 §6.3.9 / RFC 5258 §3:
//   "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
// The basic form and the extended form with no options are the same value: RFC 5258 §3 gives
// them the same meaning.
struct List {
  ListSelection selection;
  std::string reference;
  std::vector<std::string> patterns;  // list-mailbox values; at least one.
  ListReturn returns;
  bool operator==(const List&) const = default;
};

// RFC 3501 §6.3.9 (IMAP4rev1 only; RFC 9051 §6.3.9 deprecates it for LIST (SUBSCRIBED)).
struct Lsub {
  std::string reference;
  std::string pattern;
  bool operator==(const Lsub&) const = default;
};

// RFC 9051 §6.3.10 (RFC 2342)
struct Namespace {
  bool operator==(const Namespace&) const = default;
};

// RFC 9051 §6.3.11 STATUS SP mailbox SP "(" status-att *(SP status-att) ")"
struct Status {
  std::string mailbox;
  std::vector<StatusItem> items;  // At least one, as sent.
  bool operator==(const Status&) const = default;
};

// RFC 9051 §6.3.12 / RFC 3502 §6 append-message = append-opts SP append-data.
struct AppendMessage {
  // How the message was sent (RFC 9051 §9 append-data).
  enum class Encoding {
    kLiteral,   // literal: any octet but NUL.
    kLiteral8,  // RFC 3516 §4.4 literal8 "~{n}": any octet.
    kUtf8,      // RFC 6855 §4 "UTF8" SP "(" literal8 ")".
  };
  std::optional<std::vector<std::string>> flags;  // flag-list; nullopt if absent.
  std::optional<DateTime> internal_date;
  std::string message;  // The octets of the literal; empty if it was streamed.
  Encoding encoding = Encoding::kLiteral;
  // Set if CommandFramer streamed the literal (FramerLimits::max_buffered_append): its index in
  // the frame's streamed literals, whose octets the session took from LiteralChunk events.
  // to_wire() writes `message` only.
  std::optional<std::size_t> streamed_literal;
  bool operator==(const AppendMessage&) const = default;
};

// RFC 9051 §6.3.12 APPEND, several messages with RFC 3502 MULTIAPPEND.
struct Append {
  std::string mailbox;
  std::vector<AppendMessage> messages;  // At least one.
  bool operator==(const Append&) const = default;
};

// RFC 9051 §6.3.13 IDLE (RFC 2177). The "DONE" line that ends it is read by the session, not
// by parse_command: it has no tag.
struct Idle {
  bool operator==(const Idle&) const = default;
};

// RFC 9208 §4.2 GETQUOTA SP quota-root-name
struct GetQuota {
  std::string root;
  bool operator==(const GetQuota&) const = default;
};

// RFC 9208 §4.3 GETQUOTAROOT SP mailbox
struct GetQuotaRoot {
  std::string mailbox;
  bool operator==(const GetQuotaRoot&) const = default;
};

// RFC 9208 §4.1 SETQUOTA SP quota-root-name SP "(" [resource-name SP resource-limit *(...)] ")"
// Resource names are upper-cased atoms (STORAGE, MESSAGE, MAILBOX, ANNOTATION-STORAGE or an
// extension).
struct SetQuota {
  std::string root;
  std::vector<std::pair<std::string, std::uint64_t>> limits;
  bool operator==(const SetQuota&) const = default;
};

// RFC 4978 §3 COMPRESS SP algorithm. `algorithm` is upper-cased ("DEFLATE").
struct Compress {
  std::string algorithm;
  bool operator==(const Compress&) const = default;
};

// ---- Selected (RFC 9051 §6.4) ---------------------------------------------------------------

// RFC 3501 §6.4.1 (IMAP4rev1 only)
struct Check {
  bool operator==(const Check&) const = default;
};

// RFC 9051 §6.4.1
struct Close {
  bool operator==(const Close&) const = default;
};

// RFC 9051 §6.4.2 (RFC 3691)
struct Unselect {
  bool operator==(const Unselect&) const = default;
};

// RFC 9051 §6.4.3
struct Expunge {
  bool operator==(const Expunge&) const = default;
};

// RFC 9051 §6.4.9 UID EXPUNGE SP sequence-set (RFC 4315 UIDPLUS)
struct UidExpunge {
  SequenceSet uids;
  bool operator==(const UidExpunge&) const = default;
};

// One search criterion (RFC 9051 §6.4.4 search-key), a tree: NOT has one child, OR two, a
// parenthesised group one or more (all must match). Only the fields the kind uses are set.
struct SearchKey {
  enum class Kind {
    kAll,
    kAnswered,
    kBcc,         // text
    kBefore,      // date
    kBody,        // text
    kCc,          // text
    kDeleted,
    kDraft,
    kFlagged,
    kFrom,        // text
    kHeader,      // field, text
    kKeyword,     // text (flag-keyword)
    kLarger,      // number
    kNew,         // RFC 3501
    kNot,         // children[0]
    kOld,         // RFC 3501
    kOn,          // date
    kOr,          // children[0], children[1]
    kRecent,      // RFC 3501
    kSeen,
    kSentBefore,  // date
    kSentOn,      // date
    kSentSince,   // date
    kSince,       // date
    kSmaller,     // number
    kSubject,     // text
    kText,        // text
    kTo,          // text
    kUid,         // set
    kUnanswered,
    kUndeleted,
    kUndraft,
    kUnflagged,
    kUnkeyword,   // text (flag-keyword)
    kUnseen,
    kSequenceSet, // set
    kGroup,       // children: "(" search-key *(SP search-key) ")"
    kModSeq,      // RFC 7162 §3.1.5: number, and entry_name / entry_type when given
  };
  Kind kind = Kind::kAll;
  std::string field;          // kHeader: the header field name.
  std::string text;           // String arguments, as sent (matched by the server's charset).
  Date date;                  // Date criteria.
  std::uint64_t number = 0;   // LARGER, SMALLER (number64), MODSEQ (mod-sequence-valzer).
  SequenceSet set;            // UID, sequence set.
  // RFC 7162 §3.1.5 search-modseq-ext = SP entry-name SP entry-type-req. entry_name is the flag
  // entry as sent without DQUOTEs ("/flags/\\draft"); entry_type is "PRIV", "SHARED" or "ALL".
  std::string entry_name;
  std::string entry_type;
  std::vector<SearchKey> children;
  bool operator==(const SearchKey&) const = default;
};

// RFC 4731 §3 search-return-opt, with RFC 5182 SAVE.
struct SearchReturn {
  bool min = false;
  bool max = false;
  bool all = false;
  bool count = false;
  bool save = false;
  bool operator==(const SearchReturn&) const = default;
};

// RFC 9051 §6.4.4 [UID] SEARCH [search-return-opts] SP ["CHARSET" SP charset SP] search-key
// *(SP search-key).
struct Search {
  bool uid = false;
  // nullopt: no RETURN (RFC 3501 "* SEARCH" response). Present (even all false, "RETURN ()"):
  // an ESEARCH response (RFC 4731 §3; RETURN () means ALL).
  std::optional<SearchReturn> returns;
  std::optional<std::string> charset;  // As sent; nullopt without CHARSET.
  std::vector<SearchKey> keys;         // At least one; all must match.
  bool operator==(const Search&) const = default;
};

// RFC 5256 §3 sort-criterion = ["REVERSE" SP] sort-key
struct SortCriterion {
  enum class Key { kArrival, kCc, kDate, kFrom, kSize, kSubject, kTo };
  bool reverse = false;
  Key key = Key::kArrival;
  bool operator==(const SortCriterion&) const = default;
};

// RFC 5256 §3 [UID] SORT SP sort-criteria SP search-criteria; search-criteria = charset
// 1*(SP search-key)
struct Sort {
  bool uid = false;
  std::vector<SortCriterion> criteria;  // At least one.
  std::string charset;
  std::vector<SearchKey> keys;          // At least one.
  bool operator==(const Sort&) const = default;
};

// RFC 5256 §3 [UID] THREAD SP thread-alg SP search-criteria
struct Thread {
  enum class Algorithm { kOrderedSubject, kReferences };
  bool uid = false;
  Algorithm algorithm = Algorithm::kReferences;
  std::string charset;
  std::vector<SearchKey> keys;  // At least one.
  bool operator==(const Thread&) const = default;
};

// RFC 9051 §6.4.5 section-spec: which part of a message BODY[...] / BINARY[...] names.
struct Section {
  // RFC 9051 §9 section-msgtext / section-text.
  enum class Text { kNone, kHeader, kHeaderFields, kHeaderFieldsNot, kText, kMime };
  std::vector<std::uint32_t> part;  // section-part "1.2.3", each nz-number; empty: whole message.
  Text text = Text::kNone;          // kMime only with a part.
  std::vector<std::string> fields;  // header-list of HEADER.FIELDS[.NOT]; at least one then.
  bool operator==(const Section&) const = default;
};

// RFC 9051 §9 partial = "<" number64 "." nz-number64 ">"
struct Partial {
  std::uint64_t offset = 0;
  std::uint64_t count = 0;  // Never zero.
  bool operator==(const Partial&) const = default;
};

// One RFC 9051 §6.4.5 fetch-att. The macros ALL, FAST and FULL are expanded (RFC 9051 §6.4.5).
struct FetchItem {
  enum class Kind {
    kEnvelope,
    kFlags,
    kInternalDate,
    kRfc822,        // RFC 3501: BODY[]
    kRfc822Header,  // RFC 3501: BODY.PEEK[HEADER]
    kRfc822Size,
    kRfc822Text,    // RFC 3501: BODY[TEXT]
    kBody,          // Non-extensible BODYSTRUCTURE.
    kBodyStructure,
    kUid,
    kModSeq,        // RFC 7162 §3.1.4.1
    kBodySection,   // BODY[section]<partial>, BODY.PEEK[...]
    kBinary,        // RFC 3516 §4.1 BINARY[section-part]<partial>, BINARY.PEEK[...]
    kBinarySize,    // RFC 3516 §4.2 BINARY.SIZE[section-part]
  };
  Kind kind = Kind::kFlags;
  bool peek = false;               // BODY.PEEK / BINARY.PEEK: do not set \Seen.
  Section section;                 // kBodySection; kBinary / kBinarySize use `part` only.
  std::optional<Partial> partial;  // kBodySection, kBinary.
  bool operator==(const FetchItem&) const = default;
};

// RFC 9051 §6.4.5 [UID] FETCH SP sequence-set SP (macro / fetch-att / "(" fetch-att ... ")")
// [fetch-modifiers] (RFC 4466 §2.4).
struct Fetch {
  bool uid = false;
  SequenceSet set;
  std::vector<FetchItem> items;  // At least one.
  std::optional<std::uint64_t> changed_since;  // RFC 7162 §3.1.4.1 CHANGEDSINCE mod-sequence-value
  // RFC 7162 §3.2.6 VANISHED: only in UID FETCH and only with CHANGEDSINCE (else BAD).
  bool vanished = false;
  bool operator==(const Fetch&) const = default;
};

// RFC 9051 §6.4.6 [UID] STORE SP sequence-set [store-modifiers] SP store-att-flags
struct Store {
  enum class Mode { kReplace, kAdd, kRemove };  // FLAGS, +FLAGS, -FLAGS
  bool uid = false;
  SequenceSet set;
  std::optional<std::uint64_t> unchanged_since;  // RFC 7162 §3.1.3 mod-sequence-valzer
  Mode mode = Mode::kReplace;
  bool silent = false;             // ".SILENT"
  std::vector<std::string> flags;  // As sent; may be empty for FLAGS ().
  bool operator==(const Store&) const = default;
};

// RFC 9051 §6.4.7 [UID] COPY SP sequence-set SP mailbox
struct Copy {
  bool uid = false;
  SequenceSet set;
  std::string mailbox;
  bool operator==(const Copy&) const = default;
};

// RFC 9051 §6.4.8 [UID] MOVE SP sequence-set SP mailbox (RFC 6851)
struct Move {
  bool uid = false;
  SequenceSet set;
  std::string mailbox;
  bool operator==(const Move&) const = default;
};

using CommandArgs =
    std::variant<Capability, Noop, Logout, Id, Starttls, Authenticate, Login, Enable, Select,
                 Examine, Create, Delete, Rename, Subscribe, Unsubscribe, List, Lsub, Namespace,
                 Status, Append, Idle, GetQuota, GetQuotaRoot, SetQuota, Compress, Check, Close,
                 Unselect, Expunge, UidExpunge, Search, Sort, Thread, Fetch, Store, Copy, Move>;

// One tagged client command.
struct Command {
  std::string tag;  // RFC 9051 §9 tag, as sent.
  CommandArgs args;
  bool operator==(const Command&) const = default;
};

// The command's name as it appears on the wire, upper case, without "UID " ("FETCH" for a
// UID FETCH too; "EXPUNGE" for UidExpunge). Static storage.
std::string_view command_name(const CommandArgs& args);

// Whether the command is a UID command (UID FETCH, UID EXPUNGE, ...).
bool is_uid_command(const CommandArgs& args);

}  // namespace redoubt::imap::proto
