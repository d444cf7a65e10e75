// A run directory's JSON files, written atomically through
// report/atomic_write.h, so a reader (stats, merge, CI, a person) sees the
// old file or the new one, never half of one.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace ktstr {

/// write_file_atomically(path, bytes): "" on success, else what failed.
std::string write_store_file(const std::filesystem::path& path, const std::string& bytes);

/// `value` as indented JSON (invalid UTF-8 from the guest becomes U+FFFD),
/// written with write_store_file().
std::string write_store_json(const std::filesystem::path& path, const nlohmann::json& value);

}  // namespace ktstr
