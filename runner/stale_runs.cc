// Run-directory locks and the sweep of dead runs (see stale_runs.h).
//
// Liveness is flock(2), not the pid: a pid can be reused by an unrelated
// process after a reboot or a long time, a lock cannot outlive its holder.
// The sweeper takes the dead run's lock itself while it cleans, so two runs
// sweeping at once do not trip over each other, then removes the lock file so
// the directory is not visited again.
#include "runner/stale_runs.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ktstr {
namespace fs = std::filesystem;

namespace {

// Opens and locks `path` without blocking; -1 if it is missing or held.
int try_lock(const fs::path& path, int flags) {
  const int fd = open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return -1;
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

// Removes the stale files of one test directory; counts into `sweep`.
void clean_test_dir(const fs::path& dir, StaleSweep& sweep) {
  std::error_code ec;
  for (const std::string& name : stale_per_test_files()) {
    const fs::path p = dir / name;
    const fs::file_status st = fs::symlink_status(p, ec);
    // Only what a run creates there: the initrd is a regular file, the
    // endpoints are sockets. Anything else of that name is not ours.
    const bool ours = name.ends_with(".sock") ? st.type() == fs::file_type::socket
                                              : st.type() == fs::file_type::regular;
    if (!ours) continue;
    const std::uintmax_t size = st.type() == fs::file_type::regular ? fs::file_size(p, ec) : 0;
    if (fs::remove(p, ec)) {
      ++sweep.files;
      sweep.bytes += ec ? 0 : size;
    }
  }
}

}  // namespace

std::optional<RunDirLock> RunDirLock::acquire(const fs::path& run_root, std::string* error) {
  const fs::path path = run_root / kRunLockName;
  const int fd = try_lock(path, O_RDWR | O_CREAT);
  if (fd < 0) {
    *error = path.string() + ": cannot lock (" + std::strerror(errno) +
             "): another ktstr-run uses this run directory";
    return std::nullopt;
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || write(fd, pid.data(), pid.size()) < 0) {
    // The pid is informational; the flock alone marks the run as alive.
  }
  return RunDirLock(fd, path);
}

RunDirLock::~RunDirLock() {
  if (fd_ < 0) return;
  std::error_code ec;
  fs::remove(path_, ec);
  close(fd_);
}

const std::vector<std::string>& stale_per_test_files() {
  // Names from run_command.cc (initrd) and qemu_endpoints() (sockets).
  static const std::vector<std::string> kFiles = {"initrd.img", "console.sock", "agent.sock",
                                                  "qmp.sock"};
  return kFiles;
}

StaleSweep sweep_stale_runs(const fs::path& runs_parent) {
  StaleSweep sweep;
  std::error_code ec;
  for (fs::directory_iterator it(runs_parent, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
    const fs::path run = it->path();
    const int fd = try_lock(run / kRunLockName, O_RDWR);  // no O_CREAT: lock-less dirs stay
    if (fd < 0) continue;
    ++sweep.runs;
    for (fs::directory_iterator t(run, ec); !ec && t != end; t.increment(ec))
      if (t->is_directory(ec) && !t->is_symlink(ec)) clean_test_dir(t->path(), sweep);
    ec.clear();
    fs::remove(run / kRunLockName, ec);
    close(fd);
  }
  return sweep;
}

}  // namespace ktstr
