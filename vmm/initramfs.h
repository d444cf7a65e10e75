// The guest's initramfs: a cached BASE archive (the agent as /init with its
// shared-library closure and the skeleton directories) plus a small per-test
// OVERLAY (test JSON, plugins, schedulers, payloads), concatenated.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace ktstr {

/// One file for the guest: from a host file or from memory.
struct InitramfsEntry {
  std::string guest_path;           ///< absolute, e.g. "/ktstr/test.json"
  std::filesystem::path host_path;  ///< read from here when non-empty...
  std::string bytes;                ///< ...else this is the content
  mode_t mode = 0;                  ///< permission bits; 0 = host file's, or 0644
  bool with_closure = false;        ///< also ship the ELF's shared-library closure
};

/// Stream compression of one cpio segment (both supported by our kernels; the
/// libarchive lz4 filter writes a format the kernel rejects, so it is absent).
enum class Compression { kNone, kGzip, kZstd };

/// A built cpio segment in memory, padded to a multiple of 4 bytes.
struct CpioArchive {
  std::string bytes;
  uint64_t uncompressed_bytes = 0;  ///< sum of file contents
  int entries = 0;
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Writes `entries` (plus every missing parent directory) as one newc cpio,
/// deterministic (mtime 0, uid/gid 0). `extra_dirs` are created first.
CpioArchive build_cpio(const std::vector<InitramfsEntry>& entries, Compression compression,
                       const std::vector<std::string>& extra_dirs = {});

/// The shared libraries an ELF needs, as the dynamic loader resolves them.
struct LibraryClosure {
  std::vector<std::filesystem::path> libraries;  ///< host paths, soname as file name
  std::filesystem::path interpreter;             ///< ld-linux, empty if static
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Asks the host's dynamic loader (`ld.so --list`, which never runs the
/// program) for the closure of `elf`.
LibraryClosure resolve_library_closure(const std::filesystem::path& elf);

/// Where guest libraries go: /lib/x86_64-linux-gnu/<name>.
std::string guest_library_path(const std::filesystem::path& host_library);

/// Inputs of the base archive.
struct BaseInitramfsOptions {
  std::filesystem::path agent;  ///< becomes /init
  /// Uncompressed: under TCG the guest unpacks a zstd base (6.5 MB) about
  /// 150 ms slower than it copies the plain one (bench/boot_overhead:
  /// 1.31 s -> 1.12 s per test on the sched_ext kernel).
  Compression compression = Compression::kNone;
  std::filesystem::path cache_dir;  ///< default: ktstr_cache_dir() / "initramfs"
};

/// The cached base archive.
struct BaseInitramfs {
  std::filesystem::path path;         ///< cache file (already 4-byte padded)
  std::string hash;                   ///< content hash of every input
  std::set<std::string> guest_files;  ///< guest paths it holds (overlays skip them)
  uint64_t bytes = 0;
  bool cache_hit = false;
  double build_ms = 0;  ///< hash + (on a miss) build and write
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Returns the base archive for `options.agent`, building it on a cache miss
/// (atomically: temp file + rename). Call once per run; it hashes ~6 MB.
BaseInitramfs prepare_base_initramfs(const BaseInitramfsOptions& options);

/// The per-test overlay, built in memory.
struct InitramfsOverlay {
  CpioArchive archive;
  std::vector<std::string> added_libraries;  ///< closure libs the base lacked
  double build_ms = 0;
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Builds the overlay for `entries`; closure libraries already in `base` are
/// not repeated. Uncompressed by default: it is small and built per test.
InitramfsOverlay build_overlay(const std::vector<InitramfsEntry>& entries,
                               const BaseInitramfs& base,
                               Compression compression = Compression::kNone);

/// Sizes and times of one test's initrd, for the runner's log.
struct InitrdStats {
  uint64_t base_bytes = 0;
  uint64_t overlay_bytes = 0;
  uint64_t overlay_uncompressed_bytes = 0;
  uint64_t total_bytes = 0;
  double overlay_build_ms = 0;
  double write_ms = 0;
  bool base_cache_hit = false;
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Writes base + overlay to `out` (VmConfig::initrd).
InitrdStats write_initrd(const BaseInitramfs& base, const InitramfsOverlay& overlay,
                         const std::filesystem::path& out);

}  // namespace ktstr
