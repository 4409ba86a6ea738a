#pragma once

// IMAP THREAD (RFC 5256 §3): ORDEREDSUBJECT and REFERENCES, and the THREAD response (RFC 5256
// §4).
//
// Pure: no I/O and no store access. Nothing here recurses: the trees are built, pruned, sorted
// and written with explicit stacks, so a reply chain of any depth (or a References field with
// thousands of ids) costs heap, not stack.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "imap/proto/command.h"
#include "imap/server/sort.h"

namespace redoubt::imap::server {

// A References field contributes at most this many ids: its first one and the last
// kMaxReferences - 1 (RFC 5322 §3.6.4 lets mailers shorten the list the same way). This bounds
// the work a single hostile message can cause; real threads stay intact, since each reply
// links to its direct parent through the last id.
inline constexpr std::size_t kMaxReferences = 128;

// One node of a thread tree. A dummy (no message) only ever appears at the top level, with two
// or more children (RFC 5256 §3: the REFERENCES algorithm prunes the others).
struct ThreadNode {
  static constexpr std::size_t kDummy = static_cast<std::size_t>(-1);
  std::size_t message = kDummy;         // Index into the inputs, or kDummy.
  std::vector<std::size_t> children;    // Indices into ThreadTree::nodes, in thread order.
  bool operator==(const ThreadNode&) const = default;
};

// Threads as a forest stored flat (no recursive ownership, so destroying a deep tree cannot
// overflow the stack either).
struct ThreadTree {
  std::vector<ThreadNode> nodes;
  std::vector<std::size_t> roots;  // Indices into `nodes`, in thread order.
  bool operator==(const ThreadTree&) const = default;
};

// Threads `messages` (already narrowed to the search result) with `algorithm`:
// - kOrderedSubject (RFC 5256 §3 ORDEREDSUBJECT): messages grouped by base subject (i;ascii-
//   casemap), each group sorted by sent date then sequence number; its first message is the
//   parent of all the others; threads ordered by their first message's sent date.
// - kReferences (RFC 5256 §3 REFERENCES): the full algorithm: Message-ID / References /
//   In-Reply-To links (missing, invalid or duplicate Message-IDs get unique ones; links that
//   would make a loop are not made), dummy containers for missing parents, pruning, grouping
//   top-level threads by base subject, and siblings sorted by sent date then sequence number
//   (a dummy by its first child).
// Message-IDs compare as octets after removing the angle brackets and whitespace.
// Each input's `load` is called at most once (see SortInput).
ThreadTree thread_messages(std::span<const SortInput> messages,
                           proto::Thread::Algorithm algorithm);

// The RFC 5256 §4 THREAD response with its CRLF, e.g. "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n",
// numbering messages by UID when `uid`, else by sequence number. A chain of only children is one
// list; several children each get a parenthesised list; a dummy top level is "((3)(5))".
// "* THREAD\r\n" when there are no threads.
// REQUIRES: `tree` came from thread_messages(messages, ...) with the same `messages`.
std::string format_thread_response(const ThreadTree& tree, std::span<const SortInput> messages,
                                   bool uid);

}  // namespace redoubt::imap::server
