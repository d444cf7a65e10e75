// Writing a run directory's files so that a reader (stats, merge, CI, a
// person) sees the old file or the new one, never half of one. Until
// report/atomic_write.h lands this is the store's own copy; when it does,
// callers switch to write_file_atomically() and this file goes.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace ktstr {

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename. Returns "" on success, else what failed ("write
/// /x/summary.json: No space left on device"); the temporary is removed.
std::string write_store_file(const std::filesystem::path& path, const std::string& bytes);

/// `value` as indented JSON (invalid UTF-8 from the guest becomes U+FFFD),
/// written with write_store_file().
std::string write_store_json(const std::filesystem::path& path, const nlohmann::json& value);

}  // namespace ktstr
