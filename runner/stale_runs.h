// What a killed runner leaves behind, and who cleans it up. A run directory
// holds `.lock` (the runner's pid, under flock) while its run is going; the
// next run sweeps sibling run directories whose lock nobody holds and removes
// their large or dead per-test files (initrd.img and the three sockets),
// never results or logs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ktstr {

/// The lock file's name inside a run directory.
inline constexpr const char* kRunLockName = ".lock";

/// Held while a run writes into its run directory. The kernel drops the
/// flock when the process dies however it dies, so a lock nobody holds means
/// the run is over; the pid inside is for people.
class RunDirLock {
 public:
  /// Locks `run_root` (which must exist) for this process, or says why not.
  static std::optional<RunDirLock> acquire(const std::filesystem::path& run_root,
                                           std::string* error);
  RunDirLock(RunDirLock&& other) noexcept : fd_(other.fd_), path_(other.path_) { other.fd_ = -1; }
  RunDirLock& operator=(RunDirLock&&) = delete;
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;
  /// Unlocks and removes the lock file: a finished run needs no sweeping.
  ~RunDirLock();

 private:
  RunDirLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::filesystem::path path_;
};

/// The per-test files a dead run may leave (relative to a test's directory).
const std::vector<std::string>& stale_per_test_files();

/// What sweep_stale_runs() removed.
struct StaleSweep {
  int runs = 0;              ///< dead run directories cleaned
  int files = 0;             ///< files removed
  std::uintmax_t bytes = 0;  ///< their size
};

/// Removes stale_per_test_files() from the test directories of every run
/// directory under `runs_parent` whose `.lock` exists but is not held (its
/// runner died). Directories without a lock file (runs of older versions,
/// or finished runs) are left alone. Never follows symlinks out.
StaleSweep sweep_stale_runs(const std::filesystem::path& runs_parent);

}  // namespace ktstr
