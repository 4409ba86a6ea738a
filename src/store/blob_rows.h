#pragma once

// The rows that describe bodies (tables blobs and blob_summaries). Internal to src/store; each
// runs on the connection and in the transaction its caller holds.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "store/blob_store.h"
#include "store/database.h"
#include "store/store_error.h"

namespace redoubt::store {

// Counts one more message row using `blob` (creating its row on first use), and saves
// blob.summary unless the body already has one of the same or a newer version.
Result<void, StoreError> reference_blob(Database& db, const BlobRef& blob);

// The saved summary of each body in `hashes` (same order), nullopt where there is none of
// `version`.
Result<std::vector<std::optional<MessageSummary>>, StoreError> read_summaries(
    Database& db, std::span<const std::string> hashes, std::uint32_t version);

}  // namespace redoubt::store
