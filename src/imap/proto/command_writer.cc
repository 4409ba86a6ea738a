#include "imap/proto/command_writer.h"

#include "imap/proto/grammar.h"

namespace redoubt::imap::proto {
namespace {

// Builds one command line; each write_* appends one grammar element.
class Writer {
 public:
  std::string take() { return std::move(out_); }

  void raw(std::string_view s) { out_.append(s); }
  void sp() { out_.push_back(' '); }
  void number(std::uint64_t n) { out_ += std::to_string(n); }

  // A non-synchronising literal (RFC 7888).
  void literal(std::string_view s, bool literal8 = false) {
    if (literal8) out_.push_back('~');
    out_.push_back('{');
    number(s.size());
    out_ += "+}\r\n";
    out_.append(s);
  }

  void quoted(std::string_view s) {
    out_.push_back('"');
    for (char c : s) {
      if (grammar::is_quoted_special(c)) out_.push_back('\\');
      out_.push_back(c);
    }
    out_.push_back('"');
  }

  // RFC 9051 §9 string
  void string(std::string_view s) {
    if (grammar::is_quotable(s)) {
      quoted(s);
    } else {
      literal(s);
    }
  }

  // RFC 9051 §9 astring
  void astring(std::string_view s) {
    if (grammar::is_astring_atom(s)) {
      raw(s);
    } else {
      string(s);
    }
  }

  // RFC 9051 §9 list-mailbox
  void list_mailbox(std::string_view s) {
    if (grammar::all_of(s, grammar::is_list_char)) {
      raw(s);
    } else {
      string(s);
    }
  }

  // RFC 9051 §9 atom / quoted (charset).
  void atom_or_quoted(std::string_view s) {
    if (grammar::is_atom(s)) {
      raw(s);
    } else {
      quoted(s);
    }
  }

  template <class T, class F>
  void list(const std::vector<T>& items, F write_item) {
    out_.push_back('(');
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) sp();
      write_item(items[i]);
    }
    out_.push_back(')');
  }

  void flag_list(const std::vector<std::string>& flags) {
    list(flags, [this](const std::string& f) { raw(f); });
  }

  void set(const SequenceSet& s) { raw(to_string(s)); }

  // Space-separated words in parentheses, from (condition, word) pairs; nothing if none hold.
  void option_words(std::initializer_list<std::pair<bool, std::string_view>> words) {
    bool first = true;
    for (const auto& [on, word] : words) {
      if (!on) continue;
      out_.push_back(first ? '(' : ' ');
      raw(word);
      first = false;
    }
    if (!first) out_.push_back(')');
  }

 private:
  std::string out_;
};

std::string_view status_item_name(StatusItem item) {
  static constexpr std::string_view kNames[] = {"MESSAGES", "UIDNEXT", "UIDVALIDITY",
                                                "UNSEEN",   "DELETED", "SIZE",
                                                "RECENT",   "HIGHESTMODSEQ", "APPENDLIMIT"};
  return kNames[static_cast<int>(item)];
}

void write_status_items(Writer& w, const std::vector<StatusItem>& items) {
  w.list(items, [&w](StatusItem item) { w.raw(status_item_name(item)); });
}

std::string_view search_key_name(SearchKey::Kind kind) {
  static constexpr std::string_view kNames[] = {
      "ALL",        "ANSWERED",  "BCC",     "BEFORE",     "BODY",       "CC",
      "DELETED",    "DRAFT",     "FLAGGED", "FROM",       "HEADER",     "KEYWORD",
      "LARGER",     "NEW",       "NOT",     "OLD",        "ON",         "OR",
      "RECENT",     "SEEN",      "SENTBEFORE", "SENTON",  "SENTSINCE",  "SINCE",
      "SMALLER",    "SUBJECT",   "TEXT",    "TO",         "UID",        "UNANSWERED",
      "UNDELETED",  "UNDRAFT",   "UNFLAGGED", "UNKEYWORD", "UNSEEN",    "",
      "",           "MODSEQ",
  };
  return kNames[static_cast<int>(kind)];
}

void write_search_key(Writer& w, const SearchKey& key) {
  using K = SearchKey::Kind;
  switch (key.kind) {
    case K::kSequenceSet:
      w.set(key.set);
      return;
    case K::kGroup:
      w.list(key.children, [&w](const SearchKey& child) { write_search_key(w, child); });
      return;
    default:
      break;
  }
  w.raw(search_key_name(key.kind));
  switch (key.kind) {
    case K::kBcc: case K::kBody: case K::kCc: case K::kFrom: case K::kSubject: case K::kText:
    case K::kTo:
      w.sp();
      w.astring(key.text);
      break;
    case K::kBefore: case K::kOn: case K::kSentBefore: case K::kSentOn: case K::kSentSince:
    case K::kSince:
      w.sp();
      w.raw(format_date(key.date));
      break;
    case K::kLarger: case K::kSmaller:
      w.sp();
      w.number(key.number);
      break;
    case K::kUid:
      w.sp();
      w.set(key.set);
      break;
    case K::kKeyword: case K::kUnkeyword:
      w.sp();
      w.raw(key.text);
      break;
    case K::kHeader:
      w.sp();
      w.astring(key.field);
      w.sp();
      w.astring(key.text);
      break;
    case K::kNot: case K::kOr:
      for (const SearchKey& child : key.children) {
        w.sp();
        write_search_key(w, child);
      }
      break;
    case K::kModSeq:
      if (!key.entry_name.empty()) {
        w.sp();
        w.quoted(key.entry_name);
        w.sp();
        w.raw(key.entry_type);
      }
      w.sp();
      w.number(key.number);
      break;
    default:
      break;
  }
}

void write_search_keys(Writer& w, const std::vector<SearchKey>& keys) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) w.sp();
    write_search_key(w, keys[i]);
  }
}

void write_section_part(Writer& w, const std::vector<std::uint32_t>& part) {
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (i > 0) w.raw(".");
    w.number(part[i]);
  }
}

void write_section(Writer& w, const Section& section) {
  static constexpr std::string_view kTexts[] = {"",     "HEADER", "HEADER.FIELDS",
                                                "HEADER.FIELDS.NOT", "TEXT", "MIME"};
  w.raw("[");
  write_section_part(w, section.part);
  if (section.text != Section::Text::kNone) {
    if (!section.part.empty()) w.raw(".");
    w.raw(kTexts[static_cast<int>(section.text)]);
    if (section.text == Section::Text::kHeaderFields ||
        section.text == Section::Text::kHeaderFieldsNot) {
      w.sp();
      w.list(section.fields, [&w](const std::string& f) { w.astring(f); });
    }
  }
  w.raw("]");
}

void write_partial(Writer& w, const std::optional<Partial>& partial) {
  if (!partial) return;
  w.raw("<");
  w.number(partial->offset);
  w.raw(".");
  w.number(partial->count);
  w.raw(">");
}

void write_fetch_item(Writer& w, const FetchItem& item) {
  using K = FetchItem::Kind;
  switch (item.kind) {
    case K::kEnvelope: w.raw("ENVELOPE"); break;
    case K::kFlags: w.raw("FLAGS"); break;
    case K::kInternalDate: w.raw("INTERNALDATE"); break;
    case K::kRfc822: w.raw("RFC822"); break;
    case K::kRfc822Header: w.raw("RFC822.HEADER"); break;
    case K::kRfc822Size: w.raw("RFC822.SIZE"); break;
    case K::kRfc822Text: w.raw("RFC822.TEXT"); break;
    case K::kBody: w.raw("BODY"); break;
    case K::kBodyStructure: w.raw("BODYSTRUCTURE"); break;
    case K::kUid: w.raw("UID"); break;
    case K::kModSeq: w.raw("MODSEQ"); break;
    case K::kBodySection:
      w.raw(item.peek ? "BODY.PEEK" : "BODY");
      write_section(w, item.section);
      write_partial(w, item.partial);
      break;
    case K::kBinary:
      w.raw(item.peek ? "BINARY.PEEK[" : "BINARY[");
      write_section_part(w, item.section.part);
      w.raw("]");
      write_partial(w, item.partial);
      break;
    case K::kBinarySize:
      w.raw("BINARY.SIZE[");
      write_section_part(w, item.section.part);
      w.raw("]");
      break;
  }
}

void write_select_params(Writer& w, const SelectParams& params) {
  if (!params.condstore && !params.qresync) return;
  w.raw(" (");
  if (params.condstore) w.raw("CONDSTORE");
  if (params.qresync) {
    const QresyncParams& q = *params.qresync;
    if (params.condstore) w.sp();
    w.raw("QRESYNC (");
    w.number(q.uid_validity);
    w.sp();
    w.number(q.modseq);
    if (q.known_uids) {
      w.sp();
      w.set(*q.known_uids);
    }
    if (q.sequence_match) {
      w.raw(" (");
      w.set(q.sequence_match->first);
      w.sp();
      w.set(q.sequence_match->second);
      w.raw(")");
    }
    w.raw(")");
  }
  w.raw(")");
}

// Writes the arguments (with their leading SP) of each command.
struct ArgsWriter {
  Writer& w;

  void operator()(const Capability&) {}
  void operator()(const Noop&) {}
  void operator()(const Logout&) {}
  void operator()(const Starttls&) {}
  void operator()(const Namespace&) {}
  void operator()(const Idle&) {}
  void operator()(const Check&) {}
  void operator()(const Close&) {}
  void operator()(const Unselect&) {}
  void operator()(const Expunge&) {}

  void operator()(const Id& id) {
    w.sp();
    if (!id.fields) {
      w.raw("NIL");
      return;
    }
    w.list(*id.fields, [this](const Id::Field& f) {
      w.string(f.first);
      w.sp();
      if (f.second) {
        w.string(*f.second);
      } else {
        w.raw("NIL");
      }
    });
  }
  void operator()(const Authenticate& a) {
    w.sp();
    w.raw(a.mechanism);
    if (a.initial_response) {
      w.sp();
      w.raw(*a.initial_response);
    }
  }
  void operator()(const Login& l) {
    w.sp();
    w.astring(l.user);
    w.sp();
    w.astring(l.password);
  }
  void operator()(const Enable& e) {
    for (const std::string& c : e.capabilities) {
      w.sp();
      w.raw(c);
    }
  }
  void operator()(const Select& s) {
    w.sp();
    w.astring(s.mailbox);
    write_select_params(w, s.params);
  }
  void operator()(const Examine& s) {
    w.sp();
    w.astring(s.mailbox);
    write_select_params(w, s.params);
  }
  void operator()(const Create& c) {
    w.sp();
    w.astring(c.mailbox);
    if (c.special_use) {
      w.raw(" (USE ");
      w.flag_list(*c.special_use);
      w.raw(")");
    }
  }
  void operator()(const Delete& d) { mailbox(d.mailbox); }
  void operator()(const Subscribe& s) { mailbox(s.mailbox); }
  void operator()(const Unsubscribe& u) { mailbox(u.mailbox); }
  void operator()(const GetQuota& q) { mailbox(q.root); }
  void operator()(const GetQuotaRoot& q) { mailbox(q.mailbox); }
  void operator()(const Rename& r) {
    mailbox(r.from);
    mailbox(r.to);
  }
  void operator()(const List& l) {
    const ListSelection& s = l.selection;
    if (s.subscribed || s.remote || s.recursive_match || s.special_use) {
      w.sp();
      w.option_words({{s.subscribed, "SUBSCRIBED"},
                      {s.remote, "REMOTE"},
                      {s.recursive_match, "RECURSIVEMATCH"},
                      {s.special_use, "SPECIAL-USE"}});
    }
    mailbox(l.reference);
    w.sp();
    if (l.patterns.size() == 1) {
      w.list_mailbox(l.patterns[0]);
    } else {
      w.list(l.patterns, [this](const std::string& p) { w.list_mailbox(p); });
    }
    const ListReturn& r = l.returns;
    if (r.subscribed || r.children || r.special_use || r.status) {
      w.raw(" RETURN (");
      bool first = true;
      for (const auto& [on, word] : {std::pair{r.subscribed, "SUBSCRIBED"},
                                     std::pair{r.children, "CHILDREN"},
                                     std::pair{r.special_use, "SPECIAL-USE"}}) {
        if (!on) continue;
        if (!first) w.sp();
        w.raw(word);
        first = false;
      }
      if (r.status) {
        if (!first) w.sp();
        w.raw("STATUS ");
        write_status_items(w, *r.status);
      }
      w.raw(")");
    }
  }
  void operator()(const Lsub& l) {
    mailbox(l.reference);
    w.sp();
    w.list_mailbox(l.pattern);
  }
  void operator()(const Status& s) {
    mailbox(s.mailbox);
    w.sp();
    write_status_items(w, s.items);
  }
  void operator()(const Append& a) {
    mailbox(a.mailbox);
    for (const AppendMessage& m : a.messages) {
      w.sp();
      if (m.flags) {
        w.flag_list(*m.flags);
        w.sp();
      }
      if (m.internal_date) {
        w.raw(format_date_time(*m.internal_date));
        w.sp();
      }
      switch (m.encoding) {
        case AppendMessage::Encoding::kLiteral:
          w.literal(m.message);
          break;
        case AppendMessage::Encoding::kLiteral8:
          w.literal(m.message, true);
          break;
        case AppendMessage::Encoding::kUtf8:
          w.raw("UTF8 (");
          w.literal(m.message, true);
          w.raw(")");
          break;
      }
    }
  }
  void operator()(const SetQuota& q) {
    mailbox(q.root);
    w.sp();
    w.list(q.limits, [this](const std::pair<std::string, std::uint64_t>& l) {
      w.raw(l.first);
      w.sp();
      w.number(l.second);
    });
  }
  void operator()(const Compress& c) {
    w.sp();
    w.raw(c.algorithm);
  }
  void operator()(const UidExpunge& e) {
    w.sp();
    w.set(e.uids);
  }
  void operator()(const Search& s) {
    if (s.returns) {
      const SearchReturn& r = *s.returns;
      w.raw(" RETURN ");
      if (!(r.min || r.max || r.all || r.count || r.save)) {
        w.raw("()");
      } else {
        w.option_words({{r.min, "MIN"},
                        {r.max, "MAX"},
                        {r.all, "ALL"},
                        {r.count, "COUNT"},
                        {r.save, "SAVE"}});
      }
    }
    if (s.charset) {
      w.raw(" CHARSET ");
      w.atom_or_quoted(*s.charset);
    }
    w.sp();
    write_search_keys(w, s.keys);
  }
  void operator()(const Sort& s) {
    static constexpr std::string_view kKeys[] = {"ARRIVAL", "CC",      "DATE", "FROM",
                                                 "SIZE",    "SUBJECT", "TO"};
    w.sp();
    w.list(s.criteria, [this](const SortCriterion& c) {
      if (c.reverse) w.raw("REVERSE ");
      w.raw(kKeys[static_cast<int>(c.key)]);
    });
    w.sp();
    w.atom_or_quoted(s.charset);
    w.sp();
    write_search_keys(w, s.keys);
  }
  void operator()(const Thread& t) {
    w.raw(t.algorithm == Thread::Algorithm::kReferences ? " REFERENCES " : " ORDEREDSUBJECT ");
    w.atom_or_quoted(t.charset);
    w.sp();
    write_search_keys(w, t.keys);
  }
  void operator()(const Fetch& f) {
    w.sp();
    w.set(f.set);
    w.sp();
    w.list(f.items, [this](const FetchItem& item) { write_fetch_item(w, item); });
    if (f.changed_since || f.vanished) {
      w.raw(" (");
      if (f.changed_since) {
        w.raw("CHANGEDSINCE ");
        w.number(*f.changed_since);
      }
      if (f.vanished) w.raw(f.changed_since ? " VANISHED" : "VANISHED");
      w.raw(")");
    }
  }
  void operator()(const Store& s) {
    w.sp();
    w.set(s.set);
    if (s.unchanged_since) {
      w.raw(" (UNCHANGEDSINCE ");
      w.number(*s.unchanged_since);
      w.raw(")");
    }
    w.sp();
    if (s.mode == Store::Mode::kAdd) w.raw("+");
    if (s.mode == Store::Mode::kRemove) w.raw("-");
    w.raw(s.silent ? "FLAGS.SILENT " : "FLAGS ");
    w.flag_list(s.flags);
  }
  void operator()(const Copy& c) { copy_or_move(c.set, c.mailbox); }
  void operator()(const Move& m) { copy_or_move(m.set, m.mailbox); }

  void mailbox(std::string_view name) {
    w.sp();
    w.astring(name);
  }
  void copy_or_move(const SequenceSet& set, std::string_view name) {
    w.sp();
    w.set(set);
    mailbox(name);
  }
};

}  // namespace

std::string to_wire(const Command& command) {
  Writer w;
  w.raw(command.tag);
  w.sp();
  if (is_uid_command(command.args)) w.raw("UID ");
  w.raw(command_name(command.args));
  std::visit(ArgsWriter{w}, command.args);
  return w.take();
}

}  // namespace redoubt::imap::proto
