// Starting one child process, the one way vmm does it: run_process (make,
// apt-get, git: kernel_subprocess.h), QemuProcess (qemu_process.h) and the
// dynamic loader's --list (initramfs.cc) all spawn through spawn_subprocess().
//
// Why not Boost.Process (1.81 is installed): v1 allocates in the child between
// fork and exec (its exec-failure message is a std::string; the runner is
// multi-threaded, so only async-signal-safe calls are allowed there), has no
// PR_SET_PDEATHSIG (with the check that the parent did not die before it took
// effect), no pidfd, and its child kills and reaps one pid, never the process
// group; v2 is experimental in 1.81, needs an Asio io_context and a compiled
// src.hpp, and keeps its pidfd inside an Asio descriptor.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ktstr {

/// Where a child's stdout or stderr goes.
struct Redirect {
  enum class Kind {
    kInherit,       ///< ours
    kNull,          ///< /dev/null
    kFd,            ///< dup2 of `fd` (ours stays open)
    kFile,          ///< `file`, created or truncated, 0644
    kPipe,          ///< a new pipe; the read end is in Subprocess
    kSameAsStdout,  ///< stderr only: wherever stdout goes
  };
  Kind kind = Kind::kInherit;
  int fd = -1;
  std::filesystem::path file;

  /// /dev/null.
  static Redirect null() { return {.kind = Kind::kNull}; }
  /// An open descriptor of ours.
  static Redirect to_fd(int fd) { return {.kind = Kind::kFd, .fd = fd}; }
  /// A file, truncated.
  static Redirect to_file(std::filesystem::path file) {
    return {.kind = Kind::kFile, .file = std::move(file)};
  }
  /// A pipe read by the caller (Subprocess::output).
  static Redirect pipe() { return {.kind = Kind::kPipe}; }
  /// stderr joins stdout.
  static Redirect same_as_stdout() { return {.kind = Kind::kSameAsStdout}; }
};

/// What to start, and how.
struct SubprocessOptions {
  /// argv[0] is run as given when it has a '/', else looked up on $PATH with
  /// find_on_path(..., PathMatch::kExecutable), as a shell does.
  std::vector<std::string> argv;
  std::filesystem::path cwd;     ///< the child's working directory; empty: ours
  std::vector<std::string> env;  ///< "NAME=value" added to ours (replacing NAME)
  Redirect stdout_to;            ///< stdin is always /dev/null
  Redirect stderr_to;            ///< must not be a second pipe
  /// The child leads a new process group (pid == pgid), set in both child and
  /// parent so a kill(-pid) right after spawn cannot miss it.
  bool new_process_group = false;
  /// PR_SET_PDEATHSIG: the signal the child gets when the spawning *thread*
  /// exits; 0 = none. The child exits 127 if the parent already died.
  int pdeathsig = 0;
  bool pidfd = false;  ///< also open a pidfd (Subprocess::pidfd; -1 before Linux 5.3)
};

/// A started child (or why none started). The caller owns pid, pidfd and
/// output: it must reap the child and close the descriptors.
struct Subprocess {
  pid_t pid = -1;
  int pidfd = -1;   ///< close-on-exec; when asked for
  int output = -1;  ///< read end of the kPipe (close-on-exec), else -1
  /// Empty on success, else what failed, naming the binary or directory:
  /// "make: not found in PATH (/usr/bin:/bin)", "exec /x/qemu: Permission
  /// denied", "chdir /tree: No such file or directory", "open /run/q.log: ...".
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Forks and execs `options.argv`. Between fork and exec the child makes only
/// async-signal-safe calls: process group, PDEATHSIG, default signal
/// dispositions and an empty mask, redirections, chdir, exec. A failure there
/// comes back over a close-on-exec pipe; the child is reaped then and nothing
/// is left running.
Subprocess spawn_subprocess(const SubprocessOptions& options);

}  // namespace ktstr
