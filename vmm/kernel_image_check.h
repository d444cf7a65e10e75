// Is a kernel image fit to boot? Every image gets a structural check of its
// x86 boot header (present, non-empty, not shorter than the header says);
// cache entries are also compared with the size and SHA-256 recorded when
// they were installed, so a truncated or altered bzImage is reported as
// broken, with the fix, instead of booting into "QEMU ended (exit 0)".
#pragma once

#include <filesystem>
#include <string>

#include "vmm/kernel_cache.h"

namespace ktstr {

/// Why `image` is not a bootable x86 bzImage, or "". Checks that it is a
/// non-empty regular file with the boot sector signature and the "HdrS" setup
/// header, and at least as long as its setup sectors plus syssize say (a
/// signed image may carry a few more bytes).
std::string check_bzimage(const std::filesystem::path& image);

/// The verdict on one cache entry's bzImage.
struct ImageCheck {
  enum class State {
    kOk,          ///< matches the recorded size and SHA-256
    kUnverified,  ///< installed before hashes were recorded; structure is fine
    kBroken,      ///< missing, empty, truncated or altered
  };
  State state = State::kOk;
  std::string problem;  ///< kBroken: what is wrong, e.g. "bzImage is empty (0 bytes)"
  bool broken() const { return state == State::kBroken; }
  /// "ok", "unverified" or "broken".
  const char* name() const;
};

/// Records the size and SHA-256 of `image` in `meta` (install time). False
/// when the image cannot be read.
bool record_image_digest(const std::filesystem::path& image, KernelMetadata& meta);

/// Checks an entry's bzImage: check_bzimage(), then the recorded size, then
/// the recorded SHA-256 (about 30 ms for a 10 MB image; see docs/kernels.md).
ImageCheck verify_kernel_entry(const KernelEntry& entry);

/// The fix for a broken entry: fetch or build it again (which replaces it),
/// or remove it with `ktstr-run kernel clean LABEL`.
std::string broken_entry_fix(const KernelEntry& entry);

}  // namespace ktstr
