// Running the external tools of the kernel commands (make, apt-get, dpkg-deb,
// git, objcopy): one child in its own process group, output streamed line by
// line, interruptible by SIGINT/SIGTERM without leaving children behind.
#pragma once

#include <csignal>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ktstr {

/// How a tool is run.
struct ProcessOptions {
  std::filesystem::path cwd;                      ///< empty: inherit
  std::vector<std::string> env;                   ///< extra "NAME=value" entries
  bool capture = true;                            ///< keep stdout+stderr in ProcessResult::output
  int log_fd = -1;                                ///< also append all output here when >= 0
  std::function<void(std::string_view)> on_line;  ///< called per output line (no '\n')
};

/// What happened to a tool.
struct ProcessResult {
  int exit_code = -1;        ///< exit status, or -1 when killed or not started
  int signal = 0;            ///< the signal that killed it, if any
  bool interrupted = false;  ///< we stopped it because of SIGINT/SIGTERM
  std::string output;        ///< stdout+stderr when captured
  std::string error;         ///< could not start (fork/exec failure), with errno text
  /// True when it ran and exited 0.
  bool ok() const { return error.empty() && exit_code == 0 && !interrupted; }
  /// "exited 2", "killed by signal 9", "interrupted", or the start error.
  std::string describe() const;
};

/// Runs argv[0] (searched on PATH) and waits. The child gets its own process
/// group and dies with us (PR_SET_PDEATHSIG); on interruption the whole group
/// gets SIGTERM, then SIGKILL after 3 s.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// True when argv[0] of a command can be found on PATH (or is an executable path).
bool have_program(const std::string& name);

/// While alive, SIGINT and SIGTERM only set a flag (read by interrupted()), so a
/// long command can clean up; the previous handlers come back on destruction.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  /// The signal that arrived (SIGINT or SIGTERM), or 0.
  static int signal_received();

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

/// True once SIGINT/SIGTERM arrived under an InterruptGuard.
bool interrupted();

}  // namespace ktstr
