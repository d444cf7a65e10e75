// A plugin file read as data, never executed: what kind of file is at a path
// (so a directory, a symlink loop, an empty or a text file each get their own
// message), and the scenario records KTSTR_SCENARIO writes into the ELF
// section KTSTR_DETAIL_RECORD_SECTION, read with libelf.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ktstr {

/// Why `path` cannot be a plugin, judged from its file type and ELF header
/// only, or "" when it is a regular, non-empty 64-bit ELF shared object. The
/// message starts with the path and ends with the fix. `*not_found` is set
/// when nothing is there at all (a missing file or a dangling symlink).
std::string plugin_file_problem(const std::filesystem::path& path, bool* not_found = nullptr);

/// One scenario record as the plugin's file holds it.
struct ScenarioRecord {
  unsigned abi = 0;  ///< the SDK ABI version that wrote the record
  std::string sdk_version;
  std::string name;
  std::string file;
  int line = 0;
  std::string description;
};

/// The records of one plugin file.
struct ScenarioRecords {
  bool has_section = false;  ///< false: no KTSTR_SCENARIO ever ran through this SDK
  std::vector<ScenarioRecord> records;
  std::string error;  ///< "" unless the file or the section is malformed
  bool ok() const { return error.empty(); }
};

/// Reads the scenario records of the ELF file at `path` without loading it.
/// Call plugin_file_problem() first; this reports malformed data as `error`.
ScenarioRecords read_scenario_records(const std::filesystem::path& path);

/// Parses the contents of a record section (exposed for tests). Records come
/// out in source order (file, then line).
ScenarioRecords parse_scenario_records(std::string_view section);

}  // namespace ktstr
