#include "imap/server/thread.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "base/ascii.h"

namespace redoubt::imap::server {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);
constexpr std::size_t kDummy = ThreadNode::kDummy;

// What threading needs of one message, read once.
struct ThreadData {
  std::optional<std::string> message_id;
  std::vector<std::string> references;  // Oldest first; at most kMaxReferences, no duplicates.
  std::string subject;                  // Base subject, casemapped (i;ascii-casemap).
  bool is_reply = false;
  std::int64_t date = 0;                // Sent date.
  std::uint32_t seq = 0;
};

std::string casemap(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii::to_upper(c);
  return out;
}

// The msg-ids ("<" id-left "@" id-right ">", RFC 5322 §3.6.4) of a Message-ID, References or
// In-Reply-To body, in order, without brackets and whitespace. Comments and quoted strings
// between them (In-Reply-To phrases) are skipped. Lenient: any non-empty bracketed text counts.
std::vector<std::string> parse_msg_ids(std::string_view s) {
  std::vector<std::string> ids;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '(') {  // Comment, nested, with quoted-pairs.
      int depth = 0;
      while (i < s.size()) {
        const char d = s[i++];
        if (d == '\\') {
          ++i;
        } else if (d == '(') {
          ++depth;
        } else if (d == ')' && --depth == 0) {
          break;
        }
      }
    } else if (c == '"') {  // Quoted string.
      ++i;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      ++i;
    } else if (c == '<') {
      const std::size_t close = s.find('>', i + 1);
      if (close == std::string_view::npos) break;
      std::string id;
      for (char d : s.substr(i + 1, close - i - 1)) {
        if (d != ' ' && d != '\t' && d != '\r' && d != '\n') id += d;
      }
      if (!id.empty()) ids.push_back(std::move(id));
      i = close + 1;
    } else {
      ++i;
    }
  }
  return ids;
}

ThreadData read_thread_data(const SortInput& input, bool references) {
  ThreadData data;
  data.seq = input.seq;
  const mime::Message* message = input.load ? input.load() : nullptr;
  data.date = sent_date(message, input.internal_date);
  if (message == nullptr) return data;
  const mime::Part& root = message->root();
  if (const mime::HeaderField* subject = message->find(root, "Subject")) {
    BaseSubject base = base_subject(subject->value);
    data.subject = casemap(base.text);
    data.is_reply = base.is_reply_or_forward;
  }
  if (!references) return data;
  if (const mime::HeaderField* id = message->find(root, "Message-ID")) {
    std::vector<std::string> ids = parse_msg_ids(id->value);
    if (!ids.empty()) data.message_id = std::move(ids.front());
  }
  std::vector<std::string> refs;
  if (const mime::HeaderField* field = message->find(root, "References")) {
    refs = parse_msg_ids(field->value);
  }
  if (refs.empty()) {
    // RFC 5256 §3 REFERENCES (1): without valid References, the first id of In-Reply-To.
    if (const mime::HeaderField* field = message->find(root, "In-Reply-To")) {
      std::vector<std::string> ids = parse_msg_ids(field->value);
      if (!ids.empty()) refs.push_back(std::move(ids.front()));
    }
  }
  if (refs.size() > kMaxReferences) {
    refs.erase(refs.begin() + 1, refs.end() - static_cast<std::ptrdiff_t>(kMaxReferences - 1));
  }
  std::unordered_set<std::string_view> seen;
  for (const std::string& ref : refs) {
    if (seen.insert(ref).second) data.references.push_back(ref);
  }
  return data;
}

// Sort key of a message node: sent date, then sequence number, then input order.
using NodeKey = std::tuple<std::int64_t, std::uint32_t, std::size_t>;

NodeKey message_key(const std::vector<ThreadData>& data, std::size_t message) {
  return {data[message].date, data[message].seq, message};
}

// The REFERENCES algorithm's containers (RFC 5256 §3 uses the word; JWZ's threading).
struct Container {
  std::size_t message = kDummy;
  std::size_t parent = kNone;
  std::vector<std::size_t> children;
};

class ReferencesThreader {
 public:
  explicit ReferencesThreader(const std::vector<ThreadData>& data) : data_(data) {}

  ThreadTree run() {
    link_all();           // (1)
    gather_roots();       // (2), (3)
    prune();              // (4)
    sort_children();      // "first child" of dummies for (5) is then the oldest.
    group_by_subject();   // (5)
    sort_children();      // (6)
    sort_roots();
    return to_tree();
  }

 private:
  std::size_t new_container(std::size_t message = kDummy) {
    containers_.push_back(Container{message, kNone, {}});
    return containers_.size() - 1;
  }

  std::size_t find_or_create(const std::string& id) {
    auto [it, inserted] = by_id_.try_emplace(id, 0);
    if (inserted) it->second = new_container();
    return it->second;
  }

  // Whether making `child` a child of `parent` would make a loop: `child` is `parent` or one of
  // its ancestors. Iterative; a container without children is nobody's ancestor.
  bool would_loop(std::size_t parent, std::size_t child) const {
    if (parent == child) return true;
    if (containers_[child].children.empty()) return false;
    for (std::size_t p = parent; p != kNone; p = containers_[p].parent) {
      if (p == child) return true;
    }
    return false;
  }

  void link(std::size_t parent, std::size_t child) {
    containers_[child].parent = parent;
    containers_[parent].children.push_back(child);
  }

  void unlink(std::size_t child) {
    const std::size_t parent = containers_[child].parent;
    if (parent == kNone) return;
    std::vector<std::size_t>& siblings = containers_[parent].children;
    siblings.erase(std::find(siblings.begin(), siblings.end(), child));
    containers_[child].parent = kNone;
  }

  // RFC 5256 §3 REFERENCES (1).
  void link_all() {
    for (std::size_t i = 0; i < data_.size(); ++i) {
      const ThreadData& d = data_[i];
      // A missing or duplicate Message-ID: a container of its own, not in the id table.
      std::size_t self = kNone;
      if (d.message_id) {
        auto [it, inserted] = by_id_.try_emplace(*d.message_id, 0);
        if (inserted) {
          it->second = self = new_container(i);
        } else if (containers_[it->second].message == kDummy) {
          self = it->second;
          containers_[self].message = i;
        }
      }
      if (self == kNone) self = new_container(i);

      // (1)(A): chain the references, keeping links that exist and refusing loops.
      std::size_t previous = kNone;
      for (const std::string& ref : d.references) {
        const std::size_t current = find_or_create(ref);
        if (previous != kNone && containers_[current].parent == kNone &&
            !would_loop(previous, current)) {
          link(previous, current);
        }
        previous = current;
      }
      // (1)(B): the last reference is the parent; an older (truncated) link gives way.
      unlink(self);
      if (previous != kNone && !would_loop(previous, self)) link(previous, self);
    }
  }

  void gather_roots() {
    for (std::size_t i = 0; i < containers_.size(); ++i) {
      if (containers_[i].parent == kNone) roots_.push_back(i);
    }
    by_id_.clear();
  }

  bool is_dummy(std::size_t c) const { return containers_[c].message == kDummy; }

  // RFC 5256 §3 REFERENCES (4), bottom-up so every decision sees pruned children: below the top
  // level, a dummy is replaced by its children (none: dropped); at the top level, a dummy with
  // no child is dropped, with one child replaced by it, with more kept.
  void prune() {
    std::vector<std::size_t> order;  // Pre-order; reversed, every child precedes its parent.
    std::vector<std::size_t> stack(roots_.rbegin(), roots_.rend());
    while (!stack.empty()) {
      const std::size_t c = stack.back();
      stack.pop_back();
      order.push_back(c);
      for (std::size_t child : containers_[c].children) stack.push_back(child);
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const std::size_t c = *it;
      std::vector<std::size_t> kept;
      for (std::size_t child : containers_[c].children) {
        if (!is_dummy(child)) {
          kept.push_back(child);
          continue;
        }
        // Already pruned: its children are messages. Splice them in.
        for (std::size_t grandchild : containers_[child].children) {
          containers_[grandchild].parent = c;
          kept.push_back(grandchild);
        }
        containers_[child].children.clear();
      }
      containers_[c].children = std::move(kept);
    }
    std::vector<std::size_t> roots;
    for (std::size_t r : roots_) {
      if (!is_dummy(r) || containers_[r].children.size() >= 2) {
        roots.push_back(r);
      } else if (containers_[r].children.size() == 1) {
        const std::size_t child = containers_[r].children.front();
        containers_[child].parent = kNone;
        containers_[r].children.clear();
        roots.push_back(child);
      }
    }
    roots_ = std::move(roots);
  }

  NodeKey key(std::size_t c) const {
    // A dummy (top level only) sorts by its first child (RFC 5256 §3 REFERENCES (6)).
    const std::size_t m = is_dummy(c) ? containers_[containers_[c].children.front()].message
                                      : containers_[c].message;
    return message_key(data_, m);
  }

  // The message whose base subject names the thread at top-level container `c`.
  std::size_t subject_message(std::size_t c) const {
    return is_dummy(c) ? containers_[containers_[c].children.front()].message
                       : containers_[c].message;
  }

  // RFC 5256 §3 REFERENCES (5): merge top-level threads with the same base subject.
  void group_by_subject() {
    sort_roots();  // Deterministic table: the oldest candidate comes first.
    std::vector<const std::string*> subjects(roots_.size());
    for (std::size_t i = 0; i < roots_.size(); ++i) {
      subjects[i] = &data_[subject_message(roots_[i])].subject;
    }
    // (5)(B): the representative of each subject: a dummy if there is one, else preferably a
    // message that is not a reply or forward.
    std::unordered_map<std::string_view, std::size_t> table;
    for (std::size_t i = 0; i < roots_.size(); ++i) {
      if (subjects[i]->empty()) continue;
      const std::size_t r = roots_[i];
      auto [it, inserted] = table.try_emplace(*subjects[i], r);
      if (inserted) continue;
      const std::size_t t = it->second;
      if (!is_dummy(t) && (is_dummy(r) || (is_reply(t) && !is_reply(r)))) it->second = r;
    }
    // (5)(C): merge every other thread of that subject into the representative.
    std::vector<bool> gone(containers_.size(), false);
    std::vector<std::size_t> added;
    for (std::size_t i = 0; i < roots_.size(); ++i) {
      if (subjects[i]->empty()) continue;
      const std::size_t r = roots_[i];
      std::size_t& t = table.find(*subjects[i])->second;
      if (t == r) continue;
      gone.resize(containers_.size(), false);
      if (is_dummy(t) && is_dummy(r)) {
        for (std::size_t child : containers_[r].children) link(t, child);
        containers_[r].children.clear();
        gone[r] = true;
      } else if (is_dummy(t)) {
        link(t, r);
      } else if (is_dummy(r)) {
        // Not reached: (5)(B) prefers a dummy. Kept symmetric for safety.
        link(r, t);
        t = r;
      } else if (is_reply(r) && !is_reply(t)) {
        link(t, r);
      } else {
        const std::size_t dummy = new_container();
        link(dummy, t);
        link(dummy, r);
        t = dummy;
        added.push_back(dummy);
      }
    }
    gone.resize(containers_.size(), false);
    std::vector<std::size_t> roots;
    for (std::size_t r : roots_) {
      if (containers_[r].parent == kNone && !gone[r]) roots.push_back(r);
    }
    roots.insert(roots.end(), added.begin(), added.end());
    roots_ = std::move(roots);
  }

  bool is_reply(std::size_t c) const { return data_[containers_[c].message].is_reply; }

  void sort_children() {
    for (Container& c : containers_) {
      std::sort(c.children.begin(), c.children.end(), [&](std::size_t a, std::size_t b) {
        return message_key(data_, containers_[a].message) <
               message_key(data_, containers_[b].message);
      });
    }
  }

  void sort_roots() {
    std::sort(roots_.begin(), roots_.end(),
              [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  }

  // Copies the reachable containers into a ThreadTree, iteratively.
  ThreadTree to_tree() const {
    ThreadTree tree;
    std::vector<std::size_t> index(containers_.size(), kNone);
    std::vector<std::size_t> stack(roots_.rbegin(), roots_.rend());
    while (!stack.empty()) {
      const std::size_t c = stack.back();
      stack.pop_back();
      index[c] = tree.nodes.size();
      tree.nodes.push_back(ThreadNode{containers_[c].message, {}});
      for (auto it = containers_[c].children.rbegin(); it != containers_[c].children.rend(); ++it) {
        stack.push_back(*it);
      }
    }
    for (std::size_t c = 0; c < containers_.size(); ++c) {
      if (index[c] == kNone) continue;
      for (std::size_t child : containers_[c].children) {
        tree.nodes[index[c]].children.push_back(index[child]);
      }
    }
    for (std::size_t r : roots_) tree.roots.push_back(index[r]);
    return tree;
  }

  const std::vector<ThreadData>& data_;
  std::vector<Container> containers_;
  std::unordered_map<std::string, std::size_t> by_id_;
  std::vector<std::size_t> roots_;
};

// RFC 5256 §3 ORDEREDSUBJECT.
ThreadTree ordered_subject(const std::vector<ThreadData>& data) {
  std::vector<std::size_t> order(data.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (data[a].subject != data[b].subject) return data[a].subject < data[b].subject;
    return message_key(data, a) < message_key(data, b);
  });
  ThreadTree tree;
  std::vector<std::size_t> first_messages;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && data[order[j]].subject == data[order[i]].subject) ++j;
    const std::size_t parent = tree.nodes.size();
    tree.nodes.push_back(ThreadNode{order[i], {}});
    for (std::size_t k = i + 1; k < j; ++k) {
      tree.nodes[parent].children.push_back(tree.nodes.size());
      tree.nodes.push_back(ThreadNode{order[k], {}});
    }
    tree.roots.push_back(parent);
    i = j;
  }
  std::sort(tree.roots.begin(), tree.roots.end(), [&](std::size_t a, std::size_t b) {
    return message_key(data, tree.nodes[a].message) < message_key(data, tree.nodes[b].message);
  });
  return tree;
}

void append_number(std::string& out, std::uint64_t n) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, n);
  out.append(buffer, result.ptr);
}

}  // namespace

ThreadTree thread_messages(std::span<const SortInput> messages,
                           proto::Thread::Algorithm algorithm) {
  const bool references = algorithm == proto::Thread::Algorithm::kReferences;
  std::vector<ThreadData> data;
  data.reserve(messages.size());
  for (const SortInput& input : messages) data.push_back(read_thread_data(input, references));
  if (!references) return ordered_subject(data);
  return ReferencesThreader(data).run();
}

std::string format_thread_response(const ThreadTree& tree, std::span<const SortInput> messages,
                                   bool uid) {
  std::string out = "* THREAD";
  if (!tree.roots.empty()) out += ' ';
  // Work items: a node to write, or one character. LIFO, so pushed in reverse.
  struct Item {
    std::size_t node;  // kNone for a character.
    char literal;
  };
  std::vector<Item> stack;
  auto push_nested = [&](const std::vector<std::size_t>& children) {
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      stack.push_back({kNone, ')'});
      stack.push_back({*it, 0});
      stack.push_back({kNone, '('});
    }
  };
  for (std::size_t root : tree.roots) {
    out += '(';
    stack.push_back({root, 0});
    while (!stack.empty()) {
      const Item item = stack.back();
      stack.pop_back();
      if (item.node == kNone) {
        out += item.literal;
        continue;
      }
      const ThreadNode& node = tree.nodes[item.node];
      if (node.message == kDummy) {  // thread-nested: "(" thread-list thread-list ... ")"
        push_nested(node.children);
        continue;
      }
      const SortInput& message = messages[node.message];
      append_number(out, uid ? message.uid : message.seq);
      if (node.children.size() == 1) {  // thread-members continue: " 6 ..."
        stack.push_back({node.children.front(), 0});
        stack.push_back({kNone, ' '});
      } else if (node.children.size() > 1) {  // SP thread-nested
        push_nested(node.children);
        stack.push_back({kNone, ' '});
      }
    }
    out += ')';
  }
  out += "\r\n";
  return out;
}

}  // namespace redoubt::imap::server
