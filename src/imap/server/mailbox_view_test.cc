#include "imap/server/mailbox_view.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace redoubt::imap::server {
namespace {

using store::MessageFlags;
using store::MessageInfo;
using store::ModSeq;
using store::Uid;

MessageInfo message(std::uint32_t uid, std::uint64_t modseq, MessageFlags flags = MessageFlags::kNone) {
  MessageInfo m{};
  m.uid = Uid(uid);
  m.modseq = ModSeq(modseq);
  m.flags = flags;
  return m;
}

store::MailboxInfo mailbox(std::uint64_t highest) {
  store::MailboxInfo info;
  info.highest_modseq = ModSeq(highest);
  return info;
}

// A full message as the store returns it: a real-looking blob hash, keywords, date and size.
MessageInfo full(std::uint32_t uid, std::vector<std::string> keywords = {}) {
  MessageInfo m = message(uid, 100 + uid, MessageFlags::kSeen | MessageFlags::kDraft);
  m.internal_date = 1'700'000'000 + uid;
  m.size = 4096 + uid;
  m.blob_hash = "0123456789abcdef0123456789abcdef0123456789abcdeffedcba9876543210";
  m.blob_hash[63] = static_cast<char>('0' + uid % 10);
  m.keywords = std::move(keywords);
  return m;
}

// What at() gives back for `m`: everything but the store's row id.
MessageInfo without_id(MessageInfo m) {
  m.id = store::MessageId(0);
  return m;
}

MailboxView three() { return MailboxView(mailbox(5), {message(3, 2), message(7, 3), message(9, 5)}); }

proto::SequenceSet set(std::string_view text) { return *proto::parse_sequence_set(text); }

TEST(MailboxView, ResolvesSequenceNumbersAndUids) {
  MailboxView view = three();
  EXPECT_EQ(view.resolve(set("2:*"), false, {}), (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(view.resolve(set("3,1,1"), false, {}), (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(view.resolve(set("4"), false, {}), std::nullopt);  // Past EXISTS: BAD.
  EXPECT_EQ(view.resolve(set("4:8"), true, {}), (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(view.resolve(set("100:*"), true, {}), (std::vector<std::uint32_t>{3}));  // "*" = 9.
  EXPECT_EQ(view.resolve(set("10:20"), true, {}), (std::vector<std::uint32_t>{}));
  const std::uint32_t saved[] = {7, 8, 9};
  EXPECT_EQ(view.resolve(set("$"), true, saved), (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(view.seq_of(Uid(9)), 3u);
  EXPECT_EQ(view.seq_of(Uid(8)), std::nullopt);
}

TEST(MailboxView, ReportsExpungesArrivalsAndFlagChangesInOrder) {
  MailboxView view = three();
  store::MailboxChanges changes{mailbox(8), {message(7, 6, MessageFlags::kSeen), message(12, 8)}, {Uid(3), Uid(9)}};
  ViewUpdate update = view.apply(changes, true, false);
  // Highest first, so each number is valid when sent: 3 (UID 9), then 1 (UID 3).
  EXPECT_EQ(update.expunged_seqs, (std::vector<std::uint32_t>{3, 1}));
  EXPECT_EQ(update.exists, 2u);
  EXPECT_EQ(update.flag_changes, (std::vector<std::uint32_t>{1}));  // UID 7 is now number 1.
  EXPECT_EQ(view.known_modseq(), ModSeq(8));
  EXPECT_EQ(view.at(2).uid, Uid(12));
}

TEST(MailboxView, HoldsExpungesBackUntilAllowed) {
  MailboxView view = three();
  ViewUpdate held = view.apply({mailbox(6), {}, {Uid(7)}}, false, false);
  EXPECT_TRUE(held.expunged_seqs.empty());
  EXPECT_EQ(view.exists(), 3u);
  EXPECT_TRUE(view.is_expunged(2));
  // An arrival meanwhile is announced with the held message still counted.
  ViewUpdate arrival = view.apply({mailbox(7), {message(10, 7)}, {}}, false, false);
  EXPECT_EQ(arrival.exists, 4u);
  ViewUpdate later = view.apply({mailbox(7), {}, {}}, true, false);
  EXPECT_EQ(later.expunged_seqs, (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(later.exists, std::nullopt);
  EXPECT_EQ(view.exists(), 3u);
}

TEST(MailboxView, VanishedForQresyncClients) {
  MailboxView view = three();
  ViewUpdate update = view.apply({mailbox(6), {}, {Uid(9), Uid(3)}}, true, true);
  EXPECT_EQ(update.vanished_uids, (std::vector<std::uint32_t>{3, 9}));
  EXPECT_TRUE(update.expunged_seqs.empty());
}

TEST(MailboxView, OwnChangesAreNotReportedBack) {
  MailboxView view = three();
  view.update(message(7, 6, MessageFlags::kFlagged));
  ViewUpdate update = view.apply({mailbox(6), {message(7, 6, MessageFlags::kFlagged)}, {}}, true, false);
  EXPECT_TRUE(update.flag_changes.empty());
  ViewUpdate removed = view.remove(std::vector<Uid>{Uid(3), Uid(7)}, false);
  EXPECT_EQ(removed.expunged_seqs, (std::vector<std::uint32_t>{2, 1}));
  EXPECT_EQ(view.exists(), 1u);
}

TEST(MailboxView, GivesBackWhatTheStoreSaid) {
  std::vector<MessageInfo> messages;
  messages.push_back(full(1));
  messages.push_back(full(2, {"$Forwarded", "Junk"}));
  messages.push_back(full(3, {"$Forwarded", "Junk"}));
  messages.push_back(full(4, {"NonJunk"}));
  messages.push_back(full(5));
  for (MessageInfo& m : messages) m.id = store::MessageId(1000 + static_cast<std::uint32_t>(m.uid));
  const MailboxView view(mailbox(200), messages);
  ASSERT_EQ(view.exists(), 5u);
  for (std::uint32_t seq = 1; seq <= 5; ++seq) {
    SCOPED_TRACE(seq);
    const MessageInfo& want = messages[seq - 1];
    EXPECT_EQ(view.at(seq), without_id(want));
    EXPECT_EQ(view.uid_at(seq), want.uid);
    EXPECT_EQ(view.modseq_at(seq), want.modseq);
    EXPECT_EQ(view.flags_at(seq), want.flags);
    EXPECT_EQ(view.keywords_at(seq), want.keywords);
    EXPECT_EQ(view.blob_hash_at(seq), want.blob_hash);
  }
  EXPECT_EQ(view.keywords_in_use(), (std::vector<std::string>{"$Forwarded", "Junk", "NonJunk"}));
}

// Values the compact form has no room for still come back exactly.
TEST(MailboxView, KeepsValuesThatDoNotFitWhole) {
  std::vector<MessageInfo> messages;
  for (std::uint32_t uid = 1; uid <= 10; ++uid) messages.push_back(full(uid, {"Label" + std::to_string(uid % 2)}));
  messages[0].size = (std::uint64_t{5} << 30) + 7;                 // Over 4 GiB.
  messages[1].size = UINT32_MAX;                                   // Largest that fits.
  messages[2].internal_date = -86'400;                             // 31-Dec-1969.
  messages[3].internal_date = std::int64_t{UINT32_MAX} + 1;        // 2106.
  messages[4].internal_date = 253'402'300'799;                     // 31-Dec-9999 23:59:59.
  messages[5].blob_hash = "";                                      // Not a hash.
  messages[6].blob_hash[10] = 'A';                                 // Uppercase: to_hex would lower it.
  messages[7].blob_hash.pop_back();                                // 63 digits.
  messages[8].flags = store::MessageFlags(1u << 12);               // A bit past the 8 kept.
  messages[9].internal_date = UINT32_MAX;                          // Latest that fits.
  MailboxView view(mailbox(200), messages);
  for (std::uint32_t seq = 1; seq <= 10; ++seq) {
    SCOPED_TRACE(seq);
    EXPECT_EQ(view.at(seq), without_id(messages[seq - 1]));
    EXPECT_EQ(view.flags_at(seq), messages[seq - 1].flags);
    EXPECT_EQ(view.keywords_at(seq), messages[seq - 1].keywords);
    EXPECT_EQ(view.blob_hash_at(seq), messages[seq - 1].blob_hash);
  }
  EXPECT_EQ(view.keywords_in_use(), (std::vector<std::string>{"Label0", "Label1"}));

  // Between the two forms, both ways, and expunged from either.
  MessageInfo grown = full(2, {"Big"});
  grown.size = std::uint64_t{1} << 32;
  view.update(grown);
  MessageInfo shrunk = full(1);
  view.update(shrunk);
  EXPECT_EQ(view.at(1), shrunk);
  EXPECT_EQ(view.at(2), grown);
  EXPECT_EQ(view.keywords_in_use(), (std::vector<std::string>{"Big", "Label0", "Label1"}));
  view.remove(std::vector<Uid>{Uid(2), Uid(3)}, true);
  EXPECT_EQ(view.exists(), 8u);
  EXPECT_EQ(view.at(2), without_id(messages[3]));
  EXPECT_EQ(view.keywords_in_use(), (std::vector<std::string>{"Label0", "Label1"}));
}

TEST(MailboxView, SeesFlagChangesOfWideMessages) {
  MessageInfo big = full(4);
  big.size = std::uint64_t{6} << 30;
  MailboxView view(mailbox(200), {full(3), big});
  big.modseq = ModSeq(300);
  ViewUpdate same = view.apply({mailbox(300), {big}, {}}, true, false);  // A new MODSEQ only.
  EXPECT_TRUE(same.flag_changes.empty());
  big.keywords = {"Later"};
  ViewUpdate changed = view.apply({mailbox(301), {big}, {}}, true, false);
  EXPECT_EQ(changed.flag_changes, (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(view.at(2), big);
}

TEST(MailboxView, ReportsKeywordOnlyChanges) {
  MailboxView view(mailbox(200), {full(1, {"A"}), full(2, {"A"})});
  ViewUpdate update = view.apply({mailbox(201), {full(1, {"A"}), full(2, {"A", "B"})}, {}}, true, false);
  EXPECT_EQ(update.flag_changes, (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(view.keywords_at(1), (std::vector<std::string>{"A"}));
  EXPECT_EQ(view.keywords_at(2), (std::vector<std::string>{"A", "B"}));
}

// Each distinct keyword list is stored once, and dropped when no message has it any more.
TEST(MailboxView, SharesKeywordListsAndForgetsUnusedOnes) {
  std::vector<MessageInfo> messages;
  for (std::uint32_t uid = 1; uid <= 3000; ++uid) {
    // Most messages without keywords, some sharing a few lists, 500 with a list of their own.
    std::vector<std::string> keywords;
    if (uid % 6 == 1) keywords = {"$Label" + std::to_string(uid % 5)};
    if (uid % 6 == 2) keywords = {"Own" + std::to_string(uid)};
    if (uid % 6 == 3) keywords = {"$Forwarded", "$Label" + std::to_string(uid % 5)};
    messages.push_back(full(uid, std::move(keywords)));
  }
  MailboxView view(mailbox(5000), messages);
  // The empty list, 5 "$Label<n>", 5 "$Forwarded $Label<n>", 500 "Own<uid>".
  EXPECT_EQ(view.keyword_set_capacity_for_test(), 1u + 5 + 5 + 500);
  for (std::uint32_t seq = 1; seq <= 3000; ++seq) {
    ASSERT_EQ(view.at(seq), messages[seq - 1]) << seq;
  }
  EXPECT_EQ(view.keywords_in_use().size(), 1u + 5 + 500);

  // Clearing every keyword frees all lists but the empty one; new lists reuse their room.
  for (const MessageInfo& m : messages) view.update(full(static_cast<std::uint32_t>(m.uid)));
  EXPECT_TRUE(view.keywords_in_use().empty());
  for (std::uint32_t round = 0; round < 2000; ++round) {
    view.update(full(7, {"Round" + std::to_string(round)}));
    view.update(full(8, {"Round" + std::to_string(round)}));
  }
  EXPECT_EQ(view.keywords_in_use(), (std::vector<std::string>{"Round1999"}));
  EXPECT_EQ(view.keyword_set_capacity_for_test(), 1u + 5 + 5 + 500);
  EXPECT_EQ(view.at(7).keywords, (std::vector<std::string>{"Round1999"}));
  EXPECT_EQ(view.at(8).keywords, (std::vector<std::string>{"Round1999"}));

  // Expunging the last messages with a list frees it too.
  view.remove(std::vector<Uid>{Uid(7), Uid(8)}, false);
  EXPECT_TRUE(view.keywords_in_use().empty());
  EXPECT_EQ(view.exists(), 2998u);
}

}  // namespace
}  // namespace redoubt::imap::server
