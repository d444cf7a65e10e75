// A scratch directory of spec files for the runner's spec-layer tests; removed
// when the test ends.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace ktstr::testing {

/// A temporary directory that tests fill with spec files.
class SpecTestDir {
 public:
  SpecTestDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ktstr-spec-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~SpecTestDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  SpecTestDir(const SpecTestDir&) = delete;
  SpecTestDir& operator=(const SpecTestDir&) = delete;

  /// Writes `text` to `rel` (creating parent directories); returns the full path.
  std::string write(const std::string& rel, const std::string& text) const {
    const auto p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path(const std::string& rel = "") const { return (path_ / rel).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace ktstr::testing
