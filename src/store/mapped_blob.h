#pragma once

// A message body mapped read-only into memory (Store::map_blob), so that IMAP FETCH can send any
// part of a large message without copying all of it first.

#include <cstddef>
#include <string_view>

namespace redoubt::store {

// Owns one read-only private mapping of a blob file and unmaps it when destroyed. Move-only.
// Blob files are never modified in place (store/blob_store.h), so the bytes stay valid and
// unchanged for the object's life, even if the file is renamed over or deleted meanwhile.
class MappedBlob {
 public:
  // No bytes (an empty body needs no mapping: mmap cannot map zero bytes).
  MappedBlob() = default;
  MappedBlob(MappedBlob&& other) noexcept;
  MappedBlob& operator=(MappedBlob&& other) noexcept;
  MappedBlob(const MappedBlob&) = delete;
  MappedBlob& operator=(const MappedBlob&) = delete;
  ~MappedBlob();

  std::string_view bytes() const;

 private:
  friend class BlobStore;
  MappedBlob(void* address, std::size_t size) : address_(address), size_(size) {}
  void unmap();

  void* address_ = nullptr;  // Null when there is no mapping.
  std::size_t size_ = 0;
};

}  // namespace redoubt::store
