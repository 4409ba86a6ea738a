#include "store/blob_rows.h"

#include "store/store_try.h"

namespace redoubt::store {

Result<void, StoreError> reference_blob(Database& db, const BlobRef& blob) {
  Statement reference = db.prepare(
      "INSERT INTO blobs (hash, size, refcount) VALUES (?1, ?2, 1) "
      "ON CONFLICT (hash) DO UPDATE SET refcount = refcount + 1");
  reference.bind(blob.hash, blob.size);
  if (auto done = reference.run(); !done) return done;
  if (!blob.summary) return {};
  const MessageSummary& summary = *blob.summary;
  Statement save = db.prepare(
      "INSERT INTO blob_summaries (hash, version, envelope, body, body_structure) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (hash) DO UPDATE SET version = excluded.version, "
      "envelope = excluded.envelope, body = excluded.body, body_structure = excluded.body_structure "
      "WHERE excluded.version > blob_summaries.version");
  save.bind(blob.hash, summary.version, summary.envelope, summary.body, summary.body_structure);
  return save.run();
}

Result<std::vector<std::optional<MessageSummary>>, StoreError> read_summaries(
    Database& db, std::span<const std::string> hashes, std::uint32_t version) {
  std::vector<std::optional<MessageSummary>> summaries;
  summaries.reserve(hashes.size());
  for (const std::string& hash : hashes) {
    Statement st = db.prepare(
        "SELECT envelope, body, body_structure FROM blob_summaries "
        "WHERE hash = ?1 AND version = ?2");
    st.bind(hash, version);
    STORE_TRY(row, st.step());
    if (!*row) {
      summaries.emplace_back();
      continue;
    }
    summaries.push_back(MessageSummary{.version = version,
                                       .envelope = st.text(0),
                                       .body = st.text(1),
                                       .body_structure = st.text(2)});
  }
  return summaries;
}

}  // namespace redoubt::store
