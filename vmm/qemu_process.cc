// Spawning QEMU without leaks (vmm/subprocess.h): its own process group,
// SIGKILL when the spawning thread dies (checked against a parent that died
// before prctl took effect), default signal handling, stdin /dev/null and
// stdout/stderr to the output file. The parent then registers the group in
// VmRegistry; if an interrupt raced the spawn, the new group is killed right
// away.
//
// Reaping: when the leader has exited we look at it with WNOWAIT first, kill
// whatever else is left in its group while the zombie still pins the group id
// (so the id cannot have been reused), and only then reap.
#include "vmm/qemu_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "vmm/subprocess.h"

namespace ktstr {
namespace {

VmRegistry* g_registry = nullptr;  // set once by install_signal_handlers()

void on_terminating_signal(int) {
  VmRegistry* registry = g_registry;
  if (registry == nullptr) _exit(130);
  if (registry->interrupted()) {  // second signal: give up waiting for a tidy exit
    registry->kill_all(SIGKILL);
    _exit(130);
  }
  registry->interrupt();
}

ExitStatus from_siginfo(const siginfo_t& info) {
  ExitStatus status;
  if (info.si_code == CLD_EXITED) {
    status.code = info.si_status;
  } else {
    status.signal = info.si_status;
  }
  return status;
}

}  // namespace

std::string ExitStatus::str() const {
  if (signal != 0) {
    const char* name = sigabbrev_np(signal);
    return std::string("killed by SIG") + (name != nullptr ? name : std::to_string(signal));
  }
  return "exit " + std::to_string(code);
}

// ---------------------------------------------------------------- VmRegistry

VmRegistry::VmRegistry() {
  for (auto& slot : slots_) slot.store(0);
  event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

VmRegistry::~VmRegistry() {
  if (g_registry == this) g_registry = nullptr;
  if (event_fd_ >= 0) close(event_fd_);
}

VmRegistry& VmRegistry::instance() {
  static VmRegistry registry;
  return registry;
}

bool VmRegistry::install_signal_handlers() {
  g_registry = this;
  struct sigaction action {};
  action.sa_handler = on_terminating_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  return sigaction(SIGINT, &action, nullptr) == 0 && sigaction(SIGTERM, &action, nullptr) == 0;
}

bool VmRegistry::add(pid_t pgid) {
  for (auto& slot : slots_) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pgid)) return true;
  }
  return false;
}

void VmRegistry::remove(pid_t pgid) {
  for (auto& slot : slots_) {
    pid_t expected = pgid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void VmRegistry::kill_all(int sig) {
  for (auto& slot : slots_) {
    pid_t pgid = slot.load();
    if (pgid > 0) kill(-pgid, sig);
  }
}

void VmRegistry::interrupt() {
  interrupted_.store(true);
  kill_all(SIGKILL);
  uint64_t one = 1;
  if (event_fd_ >= 0) {
    ssize_t ignored = write(event_fd_, &one, sizeof one);
    (void)ignored;
  }
}

int VmRegistry::live() const {
  int n = 0;
  for (const auto& slot : slots_) n += slot.load() > 0 ? 1 : 0;
  return n;
}

// ---------------------------------------------------------------- QemuProcess

QemuProcess::Spawned QemuProcess::spawn(const SpawnOptions& options) {
  Spawned result;
  if (options.argv.empty()) {
    result.error = "start qemu: empty command";
    return result;
  }
  const Redirect output =
      options.output_path.empty() ? Redirect::null() : Redirect::to_file(options.output_path);
  const Subprocess child = spawn_subprocess({.argv = options.argv,
                                             .stdout_to = output,
                                             .stderr_to = Redirect::same_as_stdout(),
                                             .new_process_group = true,
                                             .pdeathsig = SIGKILL,
                                             .pidfd = true});
  if (!child.ok()) {
    result.error = "start qemu: " + child.error;
    return result;
  }
  // A pidfd of -1 (kernels before 5.3): wait_for() and the supervisor poll.
  const pid_t pid = child.pid;
  if (options.registry != nullptr) {
    options.registry->add(pid);
    if (options.registry->interrupted()) kill(-pid, SIGKILL);
  }
  result.process = QemuProcess(pid, child.pidfd, options.registry);
  return result;
}

QemuProcess::QemuProcess(pid_t pid, int pidfd, VmRegistry* registry)
    : pid_(pid), pidfd_(pidfd), registry_(registry) {}

QemuProcess::QemuProcess(QemuProcess&& other) noexcept { *this = std::move(other); }

QemuProcess& QemuProcess::operator=(QemuProcess&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = other.pid_;
    pidfd_ = other.pidfd_;
    registry_ = other.registry_;
    status_ = other.status_;
    other.pid_ = 0;
    other.pidfd_ = -1;
    other.registry_ = nullptr;
    other.status_.reset();
  }
  return *this;
}

QemuProcess::~QemuProcess() { release(); }

void QemuProcess::release() {
  if (pid_ > 0 && !status_) terminate(std::chrono::milliseconds(1000));
  if (pidfd_ >= 0) close(pidfd_);
  pidfd_ = -1;
  pid_ = 0;
}

void QemuProcess::kill_group(int sig) {
  if (running()) kill(-pid_, sig);
}

void QemuProcess::reap_exited() {
  if (!running()) return;
  siginfo_t info{};
  if (waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != pid_) {
    return;
  }
  kill(-pid_, SIGKILL);  // stragglers; the zombie leader still pins the group id
  info = siginfo_t{};
  while (waitid(P_PID, pid_, &info, WEXITED) != 0 && errno == EINTR) {
  }
  status_ = from_siginfo(info);
  if (registry_ != nullptr) registry_->remove(pid_);
}

std::optional<ExitStatus> QemuProcess::try_wait() {
  reap_exited();
  return status_;
}

std::optional<ExitStatus> QemuProcess::wait_for(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    reap_exited();
    if (!running()) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 1000)));
    } else {
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(10)));
    }
  }
  return status_;
}

ExitStatus QemuProcess::terminate(std::chrono::milliseconds grace) {
  if (!running()) return status_.value_or(ExitStatus{});
  kill(-pid_, SIGTERM);
  if (!wait_for(grace)) {
    kill(-pid_, SIGKILL);
    while (running()) wait_for(std::chrono::milliseconds(1000));
  }
  return *status_;
}

}  // namespace ktstr
