// Store write benchmark: how many durable IMAP-style writes per second the store takes from many
// threads at once, and in how many commits (each one fsync of the WAL).
//
//   redoubt_store_bench DIR [THREADS [WRITES]]
//
// DIR (created; must not exist yet) holds the store. It must be on the disk being measured: on
// tmpfs an fsync costs nothing. The program first measures the disk's own fdatasync rate in DIR,
// then runs WRITES Store::store_flags calls (each flips \Seen on one message, so each is a real
// change with a new MODSEQ), split evenly over 1 thread and then over THREADS threads, each thread
// on its own account as IMAP sessions of different users would be. It prints, per run: writes per
// second, commits, writes per commit, and per-write latency (p50, p99, max).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

namespace {

using redoubt::store::AccountId;
using redoubt::store::Delivery;
using redoubt::store::FlagUpdate;
using redoubt::store::MailboxId;
using redoubt::store::MessageFlags;
using redoubt::store::Store;
using redoubt::store::Uid;
using Clock = std::chrono::steady_clock;

constexpr int kMessagesPerAccount = 16;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "redoubt_store_bench: %s\n", why.c_str());
  std::exit(1);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What one fdatasync costs on the disk under `dir`: the ceiling for one-commit-per-write.
double fdatasyncs_per_second(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "fsync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) die("cannot create " + path.string());
  constexpr int kRounds = 200;
  const char block[512] = {};
  const auto start = Clock::now();
  for (int i = 0; i < kRounds; ++i) {
    if (::pwrite(fd, block, sizeof block, 0) != static_cast<ssize_t>(sizeof block) ||
        ::fdatasync(fd) != 0) {
      die("cannot write " + path.string());
    }
  }
  const double elapsed = seconds_since(start);
  ::close(fd);
  std::filesystem::remove(path);
  return kRounds / elapsed;
}

struct Mailbox {
  MailboxId id;
  std::vector<Uid> uids;
};

// `accounts` accounts, each with kMessagesPerAccount messages in its INBOX.
std::vector<Mailbox> populate(Store& store, int accounts) {
  if (!store.add_domain("bench.test")) die("cannot add the domain");
  std::vector<AccountId> ids;
  std::vector<Mailbox> inboxes;
  for (int i = 0; i < accounts; ++i) {
    auto account = store.add_account("user" + std::to_string(i) + "@bench.test", "unused");
    if (!account) die("cannot add an account");
    ids.push_back(*account);
    auto inbox = store.find_mailbox(*account, "INBOX");
    if (!inbox) die("cannot find an INBOX");
    inboxes.push_back(Mailbox{inbox->id, {}});
  }
  for (int m = 0; m < kMessagesPerAccount; ++m) {
    redoubt::store::BlobWriter writer = store.new_blob();
    const std::string body = "Subject: message " + std::to_string(m) + "\r\n\r\nbody\r\n";
    if (!writer.append(body)) die("cannot write a body");
    auto blob = writer.finish();
    if (!blob) die("cannot finish a body");
    auto delivered = store.deliver_and_wait(Delivery{*blob, ids, 1700000000});
    if (!delivered) die("cannot deliver");
    for (const auto& copy : *delivered) {
      for (Mailbox& inbox : inboxes) {
        if (inbox.id == copy.mailbox) inbox.uids.push_back(copy.uid);
      }
    }
  }
  return inboxes;
}

// Thread t writes to inboxes[t] only. REQUIRES: inboxes.size() >= threads.
void run(Store& store, std::span<const Mailbox> inboxes, int threads, int writes) {
  const int per_thread = writes / threads;
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const Mailbox& inbox = inboxes[t];
      latencies[t].reserve(per_thread);
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < per_thread; ++i) {
        // Each message is set \Seen, then cleared on the next pass: every call changes a row.
        const std::size_t slot = i % inbox.uids.size();
        FlagUpdate update;
        update.mode = (i / inbox.uids.size()) % 2 == 0 ? FlagUpdate::Mode::kAdd
                                                      : FlagUpdate::Mode::kRemove;
        update.flags = MessageFlags::kSeen;
        const Uid uid = inbox.uids[slot];
        const auto start = Clock::now();
        auto result = store.store_flags(inbox.id, {&uid, 1}, update);
        latencies[t].push_back(seconds_since(start) * 1000);
        if (!result || result->changed.size() != 1) ++failures;
      }
    });
  }
  const std::uint64_t commits_before = store.commit_count();
  const auto start = Clock::now();
  go = true;
  for (std::thread& worker : workers) worker.join();
  const double elapsed = seconds_since(start);
  const std::uint64_t commits = store.commit_count() - commits_before;

  std::vector<double> all;
  for (const auto& some : latencies) all.insert(all.end(), some.begin(), some.end());
  std::sort(all.begin(), all.end());
  const int done = per_thread * threads;
  auto at = [&](double q) { return all[std::min(all.size() - 1, std::size_t(q * all.size()))]; };
  std::printf(
      "threads=%-3d writes=%d time=%.2fs writes/s=%.0f commits=%llu writes/commit=%.1f "
      "latency p50=%.1fms p99=%.1fms max=%.1fms failures=%d\n",
      threads, done, elapsed, done / elapsed, static_cast<unsigned long long>(commits),
      commits ? double(done) / double(commits) : 0.0, at(0.5), at(0.99), all.back(),
      failures.load());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::fprintf(stderr, "usage: redoubt_store_bench DIR [THREADS [WRITES]]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int threads = argc > 2 ? std::atoi(argv[2]) : 16;
  const int writes = argc > 3 ? std::atoi(argv[3]) : 2000;
  if (threads < 1 || writes < threads) die("need THREADS >= 1 and WRITES >= THREADS");
  if (std::filesystem::exists(dir)) die(dir.string() + " exists; give a new folder");
  std::filesystem::create_directories(dir);

  std::printf("disk: %.0f fdatasync/s in %s\n", fdatasyncs_per_second(dir), dir.c_str());
  auto store = Store::open(dir / "data");
  if (!store) die(store.error());
  // One account per thread of the concurrent run, and one more for the run alone, so that every
  // run starts from messages without \Seen and each of its writes changes one.
  const std::vector<Mailbox> inboxes = populate(**store, threads + 1);
  const std::span<const Mailbox> all(inboxes);
  // Alone first: the cost of one write's commit; then what concurrency adds.
  run(**store, all.subspan(threads), 1, std::max(writes / 8, 1));
  run(**store, all.first(threads), threads, writes);
  return 0;
}
