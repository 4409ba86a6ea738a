#include "imap/server/thread.h"

#include <gtest/gtest.h>

#include <memory>

namespace redoubt::imap::server {
namespace {

using Algorithm = proto::Thread::Algorithm;

// Messages for THREAD: headers only, parsed once; sequence number i + 1, UID 100 × seq.
class Mailbox {
 public:
  // Adds a message with these header lines (each without CRLF) and internal date.
  void add(std::int64_t internal_date, std::vector<std::string> header_lines) {
    std::string raw;
    for (const std::string& line : header_lines) raw += line + "\r\n";
    raw += "\r\n";
    add_raw(internal_date, std::move(raw));
  }

  // Adds a message whose body cannot be read.
  void add_unreadable(std::int64_t internal_date) { add_raw(internal_date, std::nullopt); }

  std::span<const SortInput> inputs() const { return inputs_; }

  std::string thread(Algorithm algorithm, bool uid = false) const {
    return format_thread_response(thread_messages(inputs_, algorithm), inputs_, uid);
  }

 private:
  struct Entry {
    std::string raw;
    std::optional<mime::Message> parsed;
  };

  void add_raw(std::int64_t internal_date, std::optional<std::string> raw) {
    auto entry = std::make_unique<Entry>();
    if (raw) {
      entry->raw = std::move(*raw);
      entry->parsed = mime::parse_message(entry->raw);
    }
    const Entry* e = entry.get();
    entries_.push_back(std::move(entry));
    const auto seq = static_cast<std::uint32_t>(inputs_.size() + 1);
    inputs_.push_back(SortInput{seq, seq * 100, 0, internal_date,
                                [e]() { return e->parsed ? &*e->parsed : nullptr; }});
  }

  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<SortInput> inputs_;
};

TEST(ThreadReferences, MissingParentsPruningAndSubjectGrouping) {
  Mailbox box;
  box.add(1, {"Message-ID: <a@x>", "Subject: Hello"});                              // 1
  box.add(30, {"Message-ID: <b@x>", "References: <a@x>", "Subject: Re: Hello"});    // 2
  // Parent <missing@x> is not here: a dummy under 1, pruned, 3 moves up to 1.
  box.add(3, {"Message-ID: <c@x>", "References: <a@x>\r\n <missing@x>",
              "Subject: Re: Hello"});                                               // 3
  box.add(4, {"Message-ID: <d@x>", "In-Reply-To: Bob's message <b@x>",
              "Subject: Re: Hello"});                                               // 4
  // Two missing levels above 5: both dummies pruned, 5 becomes a top-level thread.
  box.add(5, {"Message-ID: <e@x>", "References: <zz1@x> <zz2@x>",
              "Subject: Other topic"});                                             // 5
  // 6 and 7 share the missing parent <x9@x>: a top-level dummy with two children.
  box.add(6, {"Message-ID: <f@x>", "References: <x9@x>", "Subject: Re: Lost"});    // 6
  box.add(7, {"Message-ID: <g@x>", "References: <x9@x>", "Subject: Lost"});        // 7
  // No references, same base subject as 5, a reply while 5 is not: becomes 5's child.
  box.add(8, {"Message-ID: <h@x>", "Subject: Re: Other topic"});                    // 8
  // No Message-ID; subject of the dummy's thread: joins the dummy's children.
  box.add(9, {"Subject: lost"});                                                    // 9
  // A duplicate Message-ID gets a unique one; its Date: (1970) puts it first.
  box.add(10, {"Message-ID: <a@x>", "Subject: Unrelated",
               "Date: Thu, 1 Jan 1970 00:00:00 +0000"});                            // 10
  // References itself: no loop.
  box.add(11, {"Message-ID: <k@x>", "References: <k@x>", "Subject: Self"});        // 11
  // 12 and 13 reference each other: the second link would make a loop and is not made.
  box.add(12, {"Message-ID: <m@x>", "References: <n@x>", "Subject: Loop"});        // 12
  box.add(13, {"Message-ID: <n@x>", "References: <m@x>", "Subject: Re: Loop"});    // 13
  // Empty subjects are never grouped.
  box.add(14, {"Message-ID: <p@x>"});                                               // 14
  box.add(15, {"Message-ID: <q@x>", "Subject: Re:"});                               // 15
  box.add_unreadable(16);                                                           // 16

  EXPECT_EQ(box.thread(Algorithm::kReferences),
            "* THREAD (10)(1 (3)(2 4))(5 8)((6)(7)(9))(11)(13 12)(14)(15)(16)\r\n");
  EXPECT_EQ(box.thread(Algorithm::kReferences, /*uid=*/true),
            "* THREAD (1000)(100 (300)(200 400))(500 800)((600)(700)(900))(1100)(1300 1200)"
            "(1400)(1500)(1600)\r\n");
}

TEST(ThreadReferences, SameSubjectWithoutRepliesGetsADummy) {
  Mailbox box;
  box.add(1, {"Message-ID: <a@x>", "Subject: Hello"});
  box.add(2, {"Message-ID: <b@x>", "References: <a@x>", "Subject: Re: Hello"});
  box.add(3, {"Message-ID: <c@x>", "Subject: [list] hello"});  // Not a reply: both under a dummy.
  EXPECT_EQ(box.thread(Algorithm::kReferences), "* THREAD ((1 2)(3))\r\n");
}

TEST(ThreadReferences, TwoDummiesWithTheSameSubjectMerge) {
  Mailbox box;
  box.add(1, {"Message-ID: <x1@x>", "References: <X@x>", "Subject: Topic"});
  box.add(3, {"Message-ID: <x2@x>", "References: <X@x>", "Subject: Re: Topic"});
  box.add(2, {"Message-ID: <y1@x>", "References: <Y@x>", "Subject: Re: Topic"});
  box.add(4, {"Message-ID: <y2@x>", "References: <Y@x>", "Subject: Re: topic"});
  // The children of both dummies become siblings, ordered by date.
  EXPECT_EQ(box.thread(Algorithm::kReferences), "* THREAD ((1)(3)(2)(4))\r\n");
}

TEST(ThreadReferences, TreeStructure) {
  Mailbox box;
  box.add(1, {"Message-ID: <a@x>", "Subject: s"});
  box.add(2, {"Message-ID: <b@x>", "In-Reply-To: <a@x>", "Subject: Re: s"});
  const ThreadTree tree = thread_messages(box.inputs(), Algorithm::kReferences);
  const ThreadTree want{{ThreadNode{0, {1}}, ThreadNode{1, {}}}, {0}};
  EXPECT_EQ(tree, want);
}

TEST(ThreadReferences, EmptyMailbox) {
  Mailbox box;
  EXPECT_EQ(box.thread(Algorithm::kReferences), "* THREAD\r\n");
  EXPECT_EQ(box.thread(Algorithm::kOrderedSubject), "* THREAD\r\n");
}

// A reply chain 5000 deep, each level with a second reply: formatting nests 5000 levels of
// parentheses. Nothing may recurse per level.
TEST(ThreadReferences, DeepChainDoesNotRecurse) {
  constexpr int kDepth = 5000;
  Mailbox box;
  std::string want = "* THREAD (1";
  std::string closing;
  box.add(0, {"Message-ID: <s1@x>", "Subject: deep"});
  for (int i = 2; i <= kDepth; ++i) {
    const std::string parent = "<s" + std::to_string(i - 1) + "@x>";
    // Spine message (seq 2i-2) and a leaf (seq 2i-1), both replying to the previous spine.
    box.add(2 * i, {"Message-ID: <s" + std::to_string(i) + "@x>", "References: " + parent,
                    "Subject: Re: deep"});
    box.add(2 * i + 1, {"Message-ID: <l" + std::to_string(i) + "@x>", "References: " + parent,
                        "Subject: Re: deep"});
    want += " (" + std::to_string(2 * i - 2);
    closing = ")(" + std::to_string(2 * i - 1) + ")" + closing;
  }
  want += closing + ")\r\n";
  EXPECT_EQ(box.thread(Algorithm::kReferences), want);
}

// A hostile References field with thousands of ids (all missing) must cost little. Only the
// first id and the last kMaxReferences - 1 count.
TEST(ThreadReferences, HugeReferencesField) {
  std::string references = "References:";
  for (int i = 0; i < 6000; ++i) references += " <r" + std::to_string(i) + "@x>";
  Mailbox box;
  box.add(1, {"Message-ID: <a@x>", references, "Subject: x"});
  box.add(2, {"Message-ID: <b@x>", references + " <a@x>", "Subject: Re: x"});
  // Ids in reverse order: the link back to <r0@x> would close a loop and is refused. 3's last
  // reference is <r0@x>, the missing top of 1's chain: 3 is 1's sibling under a dummy.
  std::string reversed = "References:";
  for (int i = 5999; i >= 0; i -= 7) reversed += " <r" + std::to_string(i) + "@x>";
  box.add(3, {"Message-ID: <c@x>", reversed, "Subject: Re: x"});
  EXPECT_EQ(box.thread(Algorithm::kReferences), "* THREAD ((1 2)(3))\r\n");
}

TEST(ThreadOrderedSubject, GroupsBySubjectThenDate) {
  Mailbox box;
  box.add(3, {"Subject: Hello"});       // 1
  box.add(1, {"Subject: Re: hello"});   // 2
  box.add(2, {"Subject: Other"});       // 3
  box.add(5, {"Subject: Fwd: HELLO"});  // 4
  box.add(4, {});                       // 5
  box.add(6, {"Subject: "});            // 6
  box.add(1, {"Subject: [x] Other"});   // 7, same date as 2: sequence order decides.
  EXPECT_EQ(box.thread(Algorithm::kOrderedSubject), "* THREAD (2 (1)(4))(7 3)(5 6)\r\n");
}

}  // namespace
}  // namespace redoubt::imap::server
