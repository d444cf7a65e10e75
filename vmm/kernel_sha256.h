// SHA-256 for cache keys and config hashes (FIPS 180-4), so ktstr_vmm needs no crypto library.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ktstr {

/// Incremental SHA-256; `hex()` finishes and returns the 64-character lowercase digest.
class Sha256 {
 public:
  Sha256();
  /// Appends bytes to the message.
  void update(std::string_view data);
  /// Finishes the digest (call once) and returns it as lowercase hex.
  std::string hex();

 private:
  void block(const unsigned char* p);
  uint32_t h_[8];
  unsigned char buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

/// SHA-256 of a string, as lowercase hex.
std::string sha256_hex(std::string_view data);

/// SHA-256 of a file's content, or nullopt when it cannot be read.
std::optional<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace ktstr
