// Helpers shared by the kernel_* unit tests: a temporary directory and an
// environment variable set for the duration of a test.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tests/unit/temp_dir.h"

namespace ktstr::testing {

/// Sets (or unsets, with nullopt) an environment variable; restores it on destruction.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

/// Writes `text` to `path`, creating parent directories.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

/// The bytes of a minimal file that passes check_bzimage(): an x86 boot
/// sector and setup header ("HdrS", 1 setup sector) followed by `payload_16`
/// 16-byte paragraphs of protected-mode "code", as syssize says. Not bootable.
inline std::string fake_bzimage(unsigned payload_16 = 4, char fill = 'k') {
  std::string b(1024 + payload_16 * 16, fill);
  for (size_t i = 0; i < 0x210; ++i) b[i] = 0;
  b[0x1f1] = 1;  // setup_sects
  for (int i = 0; i < 4; ++i) b[0x1f4 + i] = static_cast<char>((payload_16 >> (8 * i)) & 0xff);
  b[0x1fe] = static_cast<char>(0x55);
  b[0x1ff] = static_cast<char>(0xaa);
  b.replace(0x202, 4, "HdrS");
  return b;
}

}  // namespace ktstr::testing
