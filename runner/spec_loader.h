// Loading: find spec files, parse them (toml++), check them against the schema,
// and find each one's project file (the nearest ktstr.toml at or above it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "runner/diagnostic.h"
#include "runner/toml_document.h"

namespace ktstr {

/// The largest spec or project file read, in bytes (4 MiB); larger files are refused.
inline constexpr uintmax_t kMaxSpecFileBytes = uintmax_t{4} << 20;

/// Every file of one run, parsed and schema-checked.
struct SpecSet {
  std::vector<TomlDocument> specs;     ///< spec files, in discovery order
  std::vector<TomlDocument> projects;  ///< ktstr.toml files in use
  /// For each spec (by index), the index of its project file in `projects`, or -1.
  std::vector<int> project_of;
  SourceCache sources;  ///< text of every file, for diagnostics
};

/// Spec files named by `paths`: files as given, directories searched recursively
/// for *.toml (skipping ktstr.toml and hidden directories), sorted per directory.
/// Missing paths and empty directories are diagnosed.
std::vector<std::filesystem::path> discover_spec_files(const std::vector<std::string>& paths,
                                                       Diagnostics& diags);

/// Discovers, parses and schema-checks every spec and project file. Files that
/// fail to parse are left out; every problem lands in `diags`.
SpecSet load_specs(const std::vector<std::string>& paths, Diagnostics& diags);

/// How a file is named in messages: relative to the working directory when it
/// lies below it, else as given.
std::string display_path(const std::filesystem::path& p);

/// The nearest ktstr.toml in `dir` or above it; "" when there is none.
std::filesystem::path find_project_file(const std::filesystem::path& dir);

/// A project file's [run] plugin_path, each entry relative to the file's directory.
std::vector<std::filesystem::path> project_plugin_path(const TomlDocument& project);

}  // namespace ktstr
