// The QEMU child process: spawned in its own process group, tied to the
// runner's life with PR_SET_PDEATHSIG, owned by an RAII object that always
// kills the whole group and reaps it. VmRegistry is the runner-wide record of
// live VM process groups that a SIGINT/SIGTERM handler kills at once.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ktstr {

/// How a child ended.
struct ExitStatus {
  int code = -1;   ///< exit code, or -1 when killed by a signal
  int signal = 0;  ///< terminating signal, or 0
  bool exited() const { return signal == 0 && code >= 0; }
  /// "exit 0", "killed by SIGKILL".
  std::string str() const;
};

/// Process groups of live VMs, for the runner's signal handlers.
///
/// Slots are lock-free atomics, so kill_all() is async-signal-safe. Once a
/// SIGINT/SIGTERM arrives (with install_signal_handlers()), every registered
/// group is SIGKILLed, interrupted() becomes true and interrupt_fd() becomes
/// readable for good: supervisors poll it and return "interrupted"; the runner
/// then writes partial results and exits 130. A second signal exits 130 at once.
class VmRegistry {
 public:
  /// Most VMs alive at once.
  static constexpr int kMaxGroups = 512;

  /// The process-wide registry (the one the signal handlers use).
  static VmRegistry& instance();
  /// A separate registry (tests); most code uses instance().
  VmRegistry();
  ~VmRegistry();

  /// Installs SIGINT/SIGTERM handlers that interrupt this registry
  /// (idempotent). Returns false on error.
  bool install_signal_handlers();
  /// Records a live process group; false if the table is full.
  bool add(pid_t pgid);
  /// Forgets a process group.
  void remove(pid_t pgid);
  /// Sends `sig` to every registered group. Async-signal-safe.
  void kill_all(int sig);
  /// Marks the run interrupted, kills every group, wakes interrupt_fd().
  /// Async-signal-safe (the signal handler calls it).
  void interrupt();
  /// True after interrupt().
  bool interrupted() const { return interrupted_.load(); }
  /// The flag behind interrupted(), for pollers that take an atomic (the executor).
  const std::atomic<bool>& interrupted_flag() const { return interrupted_; }
  /// An eventfd that is readable once interrupted (never drained): poll it.
  int interrupt_fd() const { return event_fd_; }
  /// Registered groups right now (for tests and diagnostics).
  int live() const;

  VmRegistry(const VmRegistry&) = delete;
  VmRegistry& operator=(const VmRegistry&) = delete;

 private:
  std::atomic<pid_t> slots_[kMaxGroups];
  std::atomic<bool> interrupted_{false};
  int event_fd_ = -1;
};

/// What to start.
struct SpawnOptions {
  std::vector<std::string> argv;      ///< argv[0] searched in PATH if it has no '/'
  std::filesystem::path output_path;  ///< stdout and stderr go here (truncated)
  VmRegistry* registry = nullptr;     ///< registers the group while it lives
};

/// An owned QEMU process group. Movable, not copyable. The destructor
/// terminates (SIGTERM, then SIGKILL to the group) and reaps.
///
/// PR_SET_PDEATHSIG fires when the *thread* that spawned the child exits, so
/// keep the spawning thread alive for the life of the VM (the supervisor does).
class QemuProcess {
 public:
  /// Result of spawn(): a process or an error message.
  struct Spawned;

  /// Forks and execs. Errors (binary not found, exec failure, output file)
  /// come back as a message; nothing is left running then.
  static Spawned spawn(const SpawnOptions& options);

  QemuProcess() = default;
  QemuProcess(QemuProcess&& other) noexcept;
  QemuProcess& operator=(QemuProcess&& other) noexcept;
  QemuProcess(const QemuProcess&) = delete;
  QemuProcess& operator=(const QemuProcess&) = delete;
  ~QemuProcess();

  /// Child pid, which is also its process group id (0 if none).
  pid_t pid() const { return pid_; }
  /// A pidfd: readable once the child has exited (-1 if none).
  int pidfd() const { return pidfd_; }
  /// True until the child has been reaped.
  bool running() const { return pid_ > 0 && !status_; }
  /// Sends `sig` to the whole process group (no-op once reaped).
  void kill_group(int sig);
  /// Reaps the child if it has exited; never blocks.
  std::optional<ExitStatus> try_wait();
  /// Waits up to `timeout` for the child to exit and reaps it.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
  /// SIGTERM to the group, up to `grace` to exit, then SIGKILL; reaps. Always
  /// returns the status. Stragglers in the group are SIGKILLed as well.
  ExitStatus terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  /// The status once reaped.
  const std::optional<ExitStatus>& status() const { return status_; }

 private:
  QemuProcess(pid_t pid, int pidfd, VmRegistry* registry);
  void reap_exited();
  void release();

  pid_t pid_ = 0;
  int pidfd_ = -1;
  VmRegistry* registry_ = nullptr;
  std::optional<ExitStatus> status_;
};

struct QemuProcess::Spawned {
  QemuProcess process;
  std::string error;  ///< empty on success
  bool ok() const { return error.empty(); }
};

}  // namespace ktstr
