#include "store/mapped_blob.h"

#include <sys/mman.h>

#include <utility>

namespace redoubt::store {

MappedBlob::MappedBlob(MappedBlob&& other) noexcept
    : address_(std::exchange(other.address_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedBlob& MappedBlob::operator=(MappedBlob&& other) noexcept {
  if (this != &other) {
    unmap();
    address_ = std::exchange(other.address_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedBlob::~MappedBlob() { unmap(); }

std::string_view MappedBlob::bytes() const {
  if (address_ == nullptr) return {};
  return std::string_view(static_cast<const char*>(address_), size_);
}

void MappedBlob::unmap() {
  if (address_ != nullptr) ::munmap(address_, size_);
  address_ = nullptr;
  size_ = 0;
}

}  // namespace redoubt::store
