// extra_include_files: host files and directories copied into the guest under
// /ktstr/include/. Each entry is an absolute path, a path relative to the spec
// file that set it, or a bare name looked up on PATH. Entries are resolved at
// spec time, so `check` and `run` refuse a missing file before anything boots.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "runner/diagnostic.h"
#include "runner/spec_catalog.h"
#include "runner/test_resolver.h"
#include "vmm/initramfs.h"

namespace ktstr {

/// Guest directory that receives the included files.
inline constexpr const char* kGuestIncludeDir = "/ktstr/include";

/// Most files one test may include (a directory walk stops there).
inline constexpr size_t kMaxIncludeFiles = 10'000;

/// One host file and where the guest sees it.
struct IncludeFile {
  std::filesystem::path host;
  std::string guest_path;    ///< /ktstr/include/NAME or /ktstr/include/DIR/sub/path
  bool elf_program = false;  ///< an executable ELF: its shared libraries ship too
};

/// The files of one entry of extra_include_files, or why it cannot be included.
struct IncludeEntry {
  std::vector<IncludeFile> files;
  uint64_t bytes = 0;
  std::string error;  ///< "" when the entry resolved
};

/// Resolves one entry: absolute, relative to `base_dir`, or (no '/') on `path_env`.
/// Directories are walked recursively (regular files and links to them).
IncludeEntry resolve_include_entry(const std::string& entry, const std::filesystem::path& base_dir,
                                   const char* path_env);

/// Largest total of included bytes a guest of `vm_memory_mib` can unpack: the
/// memory floor (notes/vm-measurements.md) is 128 MiB + 3 x the uncompressed
/// initramfs; 16 MiB are kept for the base archive, the scheduler and the
/// plugin, and the total is capped at 256 MiB (the overlay is built in memory).
uint64_t include_budget_bytes(int vm_memory_mib);

/// The spec rule: every entry resolves, no two land on the same guest path,
/// the total fits include_budget_bytes(). Errors point at the entry.
void check_include_files(const Catalog& catalog, const ResolvedTest& t, Diagnostics& diags);

/// Appends the overlay entries for `t`'s extra_include_files. Returns "" or
/// the first problem (a file removed since the spec was checked).
std::string add_include_files(const ResolvedTest& t, std::vector<InitramfsEntry>& entries);

}  // namespace ktstr
