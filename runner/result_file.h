// A test's result.json: written so that a reader (reeval, CI, a person) sees
// the old file or the new one, never half of one, and so that text JSON
// cannot hold (invalid UTF-8 from the guest) is replaced instead of throwing.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace ktstr {

/// Writes `value` as indented JSON to `path` through a temporary file in the
/// same directory and a rename. Invalid UTF-8 in strings becomes U+FFFD.
/// Returns "" on success, else what failed ("write /x/result.json: No space
/// left on device"); the temporary file is removed on failure.
std::string write_json_file(const std::filesystem::path& path, const nlohmann::json& value);

}  // namespace ktstr
