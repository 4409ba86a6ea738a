#pragma once

// Distinct types for the numbers the store hands out (STYLE.md rule 6), so that a UID can never be
// passed where a sequence number, a MODSEQ or a mailbox id is expected. Values come only from the
// store (or, for UIDs and MODSEQs, from the IMAP wire parser); nothing else invents them.

#include <cstdint>

namespace redoubt::store {

// Row ids. Unique within one data folder, never reused while the row exists, meaningless outside
// it (an export/import may renumber them).
enum class DomainId : std::int64_t {};
enum class AccountId : std::int64_t {};
enum class MailboxId : std::int64_t {};
enum class MessageId : std::int64_t {};

// RFC 9051 §2.3.1.1: a message's unique identifier within its mailbox. Non-zero, strictly
// ascending in the order messages are added, never reused while the UIDVALIDITY stays the same.
enum class Uid : std::uint32_t {};

// RFC 9051 §2.3.1.1: changes whenever UIDs of a mailbox name could be reused; a client must then
// drop its cache. The pair (mailbox name, UIDVALIDITY) is never reused.
enum class UidValidity : std::uint32_t {};

// RFC 7162 §3.1.1: a mailbox-wide counter, raised by every change to a message (arrival, flag
// change, expunge); a message's MODSEQ is the value of its last change.
enum class ModSeq : std::uint64_t {};

}  // namespace redoubt::store
