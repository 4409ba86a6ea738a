// SEARCH, SORT and THREAD: evaluated off the I/O thread over the session's view.

#include "imap/server/search.h"
#include "imap/server/sort.h"
#include "imap/server/thread.h"
#include "imap/server/session.h"
#include "mime/message.h"

namespace redoubt::imap::server {
namespace {

using proto::Condition;

// The messages SORT and THREAD order, parsed on first use and kept while the keys compare them.
// Not movable: the loaders point into it. `view` must not change while it lives (the session
// waits for the blocking pool meanwhile).
struct SortSource {
  std::vector<std::optional<store::MappedBlob>> blobs;
  std::vector<std::optional<mime::Message>> messages;
  std::vector<SortInput> inputs;

  SortSource(store::Store& store, const MailboxView& view, std::span<const std::uint32_t> seqs)
      : blobs(seqs.size()), messages(seqs.size()) {
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      const std::uint32_t seq = seqs[i];
      const store::MessageInfo info = view.at(seq);
      // The view builds MessageInfos on demand, so the loader asks it again for the hash rather
      // than keep `info`.
      auto load = [this, &store, &view, seq, i]() -> const mime::Message* {
        if (!messages[i]) {
          auto mapped = store.map_blob(view.blob_hash_at(seq));
          if (!mapped) return nullptr;
          blobs[i] = std::move(*mapped);
          messages[i] = mime::parse_message(blobs[i]->bytes());
        }
        return &*messages[i];
      };
      inputs.push_back(SortInput{seq, static_cast<std::uint32_t>(info.uid), info.size, info.internal_date, load});
    }
  }
  SortSource(const SortSource&) = delete;
  SortSource& operator=(const SortSource&) = delete;
};

}  // namespace

// The sequence numbers of the messages matching `keys` (in UTF-8), ascending.
Task<std::vector<std::uint32_t>> Session::matching(std::span<const proto::SearchKey> keys) {
  const MailboxView& view = selected_->view;
  store::Store& store = services_.store;
  SearchContext context{.max_seq = view.exists(),
                        .max_uid = view.exists() ? static_cast<std::uint32_t>(view.uid_at(view.exists())) : 0,
                        .saved_uids = selected_->saved_uids};
  auto work = [&view, &store, keys, &context] {
    std::vector<std::uint32_t> found;
    for (std::uint32_t seq = 1; seq <= view.exists(); ++seq) {
      // A local, not a reference: at() builds a value, and SearchMessage and `load` point to it.
      const store::MessageInfo info = view.at(seq);
      std::optional<store::MappedBlob> blob;
      std::optional<mime::Message> message;
      auto load = [&]() -> const mime::Message* {
        auto mapped = store.map_blob(info.blob_hash);
        if (!mapped) return nullptr;
        blob = std::move(*mapped);
        message = mime::parse_message(blob->bytes());
        return &*message;
      };
      if (matches(keys, SearchMessage{seq, &info, load}, context)) found.push_back(seq);
    }
    return found;
  };
  auto found = co_await run_blocking(services_.blocking, work);
  co_return found;
}

// The keys in UTF-8, or nullopt after answering NO [BADCHARSET] (RFC 9051 §6.4.4).
std::optional<std::vector<proto::SearchKey>> Session::utf8_keys(const proto::Command& command,
                                                                std::optional<std::string_view> charset,
                                                                std::span<const proto::SearchKey> keys) {
  auto converted = search_keys_to_utf8(charset, keys);
  if (!converted) {
    tagged(command.tag, Condition::kNo, "Unsupported charset", proto::response_code::bad_charset(kSearchCharsets));
    return std::nullopt;
  }
  return std::move(*converted);
}

Task<void> Session::on_search(const proto::Command& command, const proto::Search& search) {
  auto keys = utf8_keys(command, search.charset, search.keys);
  if (!keys) co_return;
  std::vector<std::uint32_t> seqs = co_await matching(*keys);
  const MailboxView& view = selected_->view;
  std::vector<std::uint32_t> numbers, uids;
  std::uint64_t highest = 0;
  for (std::uint32_t seq : seqs) {
    uids.push_back(static_cast<std::uint32_t>(view.uid_at(seq)));
    numbers.push_back(search.uid ? uids.back() : seq);
    highest = std::max(highest, static_cast<std::uint64_t>(view.modseq_at(seq)));
  }
  std::optional<std::uint64_t> modseq;
  if (uses_modseq(*keys) && !numbers.empty()) {
    condstore_ = true;  // RFC 7162 §3.1: a MODSEQ search key enables CONDSTORE.
    modseq = highest;
  }
  // IMAP4rev2 answers every SEARCH with ESEARCH (RFC 9051 §6.4.4); without RETURN that means ALL.
  if (search.returns || imap4rev2_) {
    const proto::SearchReturn returns = search.returns.value_or(proto::SearchReturn{});
    if (returns.save) {
      selected_->saved_uids = saved_search_result(returns, uids);
    }
    out_ += format_esearch_response(command.tag, search.uid, returns, numbers, modseq);
  } else {
    out_ += format_search_response(numbers, modseq);
  }
  tagged(command.tag, Condition::kOk, "SEARCH completed");
}

Task<void> Session::on_sort(const proto::Command& command, const proto::Sort& sort) {
  auto keys = utf8_keys(command, sort.charset, sort.keys);
  if (!keys) co_return;
  std::vector<std::uint32_t> seqs = co_await matching(*keys);
  const MailboxView& view = selected_->view;
  store::Store& store = services_.store;
  auto work = [&view, &store, &seqs, &sort] {
    const SortSource source(store, view, seqs);
    return sort_messages(source.inputs, sort.criteria);
  };
  std::vector<std::size_t> order = co_await run_blocking(services_.blocking, work);
  std::vector<std::uint32_t> numbers;
  std::uint64_t highest = 0;
  for (std::size_t index : order) {
    numbers.push_back(sort.uid ? static_cast<std::uint32_t>(view.uid_at(seqs[index])) : seqs[index]);
    highest = std::max(highest, static_cast<std::uint64_t>(view.modseq_at(seqs[index])));
  }
  const bool with_modseq = uses_modseq(*keys) && !numbers.empty();
  out_ += format_sort_response(numbers, with_modseq ? std::optional<std::uint64_t>(highest) : std::nullopt);
  tagged(command.tag, Condition::kOk, "SORT completed");
}

Task<void> Session::on_thread(const proto::Command& command, const proto::Thread& thread) {
  auto keys = utf8_keys(command, thread.charset, thread.keys);
  if (!keys) co_return;
  std::vector<std::uint32_t> seqs = co_await matching(*keys);
  const MailboxView& view = selected_->view;
  store::Store& store = services_.store;
  auto work = [&view, &store, &seqs, &thread] {
    const SortSource source(store, view, seqs);
    return format_thread_response(thread_messages(source.inputs, thread.algorithm), source.inputs, thread.uid);
  };
  std::string response = co_await run_blocking(services_.blocking, work);
  out_ += response;
  tagged(command.tag, Condition::kOk, "THREAD completed");
}

}  // namespace redoubt::imap::server
