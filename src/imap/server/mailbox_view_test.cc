#include "imap/server/mailbox_view.h"

#include <gtest/gtest.h>

namespace redoubt::imap::server {
namespace {

using store::MessageFlags;
using store::MessageInfo;
using store::ModSeq;
using store::Uid;

MessageInfo message(std::uint32_t uid, std::uint64_t modseq, MessageFlags flags = MessageFlags::kNone) {
  MessageInfo m;
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

}  // namespace
}  // namespace redoubt::imap::server
