// `ktstr-run kernel build`: a sched_ext kernel from Debian's linux-source-6.12
// (or the user's own tree) with the project's config fragment, plus the
// kernel's example schedulers (tools/sched_ext), installed as a cache entry.
#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "vmm/kernel_cache.h"

namespace ktstr {

/// Options of `kernel build`.
struct KernelBuildOptions {
  std::string source = "debian";   ///< "debian" or a kernel source directory
  std::filesystem::path fragment;  ///< config fragment (required)
  int jobs = 0;                    ///< make -j; 0 = online CPUs + 1
  bool in_tree = false;            ///< allow building inside a user tree that has build output
  bool force = false;              ///< rebuild even when an entry with the same key exists
  std::filesystem::path cache_root = kernel_cache_root();
  std::filesystem::path debian_tarball = "/usr/src/linux-source-6.12.tar.xz";
  std::string clang = "clang-16";  ///< for tools/sched_ext (clang 14 is too old)
  std::string llvm_strip = "llvm-strip-16";
  /// Host tools checked before anything runs (tests with a fake tree need only make).
  std::vector<std::string> required_tools = {"make", "gcc", "flex", "bison", "bc", "pahole"};
  bool live = false;            ///< redraw one progress line (a terminal) instead of plain lines
  std::ostream* out = nullptr;  ///< progress and messages (nullptr: silent)
};

/// Result of `kernel build`.
struct KernelBuildResult {
  KernelEntry entry;
  bool cached = false;        ///< same inputs: the existing entry was returned at once
  bool interrupted = false;   ///< SIGINT/SIGTERM: nothing was installed
  std::filesystem::path log;  ///< full build log
  std::string error;          ///< what failed, with the log path
  bool ok() const { return error.empty() && !interrupted; }
};

/// Builds (or finds) the kernel. Never leaves a partial cache entry.
KernelBuildResult build_kernel(const KernelBuildOptions& options);

/// The identity of the build inputs; the cache key is its sha256.
struct KernelBuildInputs {
  std::string source_identity;  ///< "debian-source:linux-source-6.12=6.12.117-1~deb12u1",
                                ///< "tree:/p@<commit>[+dirty:<hash>]"
  std::string base_config = "allnoconfig";
  std::string fragment_text;
  std::string toolchain;  ///< gcc, pahole and clang versions
};

/// sha256 of the inputs (64 hex digits).
std::string kernel_build_key(const KernelBuildInputs& inputs);

/// "6.12.117-scx-1a2b3c4d" (or "-custom-" when the result has no sched_ext).
std::string built_kernel_label(const std::string& version, const std::string& key, bool sched_ext);

/// Follows kbuild's output and renders progress. Counts compile steps (CC, AS,
/// and other object-producing tags) to estimate the remaining time from the
/// expected total of a previous build.
class BuildProgress {
 public:
  /// `expected_steps` is the number of compile steps of a comparable build (0: unknown).
  explicit BuildProgress(int expected_steps) : expected_(expected_steps) {}
  /// Starts a phase ("unpack", "configure", "kernel", "schedulers", "install").
  void set_phase(std::string phase, std::chrono::steady_clock::time_point now);
  /// Feeds one output line; returns true when it was a compile step.
  bool feed(std::string_view line);
  /// "kernel: 812/1950 files, 3m12s, ~4m left" (estimate only in the kernel phase).
  std::string render(std::chrono::steady_clock::time_point now) const;
  /// Compile steps seen in the current phase.
  int steps() const { return steps_; }
  const std::string& phase() const { return phase_; }
  /// The expected number of compile steps (0: unknown).
  int expected() const { return expected_; }

 private:
  int expected_;
  int steps_ = 0;
  std::string phase_;
  std::chrono::steady_clock::time_point phase_start_{};
};

/// "3m12s" / "45s".
std::string format_duration(double seconds);

}  // namespace ktstr
