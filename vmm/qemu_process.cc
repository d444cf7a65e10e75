// Spawning QEMU without leaks. The child, between fork and exec, only calls
// async-signal-safe functions (the runner is multi-threaded): it makes its own
// process group, asks for SIGKILL when its parent dies (and checks that the
// parent is still the one that forked it, since the parent may have died
// before prctl took effect), restores default signal handling, wires stdin to
// /dev/null and stdout/stderr to the output file, and execs. An exec failure
// comes back through a close-on-exec pipe as an errno. The parent then
// registers the group in VmRegistry; if an interrupt raced the spawn, the new
// group is killed right away.
//
// Reaping: when the leader has exited we look at it with WNOWAIT first, kill
// whatever else is left in its group while the zombie still pins the group id
// (so the id cannot have been reused), and only then reap.
#include "vmm/qemu_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

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

/// The executable for argv[0]: itself if it has a '/', else the first match in PATH.
std::string resolve_binary(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
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
  std::string binary = resolve_binary(options.argv[0]);
  if (binary.empty()) {
    result.error = "start qemu: " + options.argv[0] + ": not found in PATH";
    return result;
  }
  int out = open(options.output_path.empty() ? "/dev/null" : options.output_path.c_str(),
                 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    result.error = "start qemu: open " + options.output_path.string() + ": " + strerror(errno);
    return result;
  }
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.error = std::string("start qemu: pipe: ") + strerror(errno);
    close(out);
    return result;
  }
  std::vector<char*> argv;
  for (const std::string& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  // No handler of ours may run in the child before exec.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    execve(binary.c_str(), argv.data(), environ);
    int e = errno;
    ssize_t ignored = write(err_pipe[1], &e, sizeof e);
    (void)ignored;
    _exit(127);
  }
  int fork_errno = errno;
  if (pid > 0) setpgid(pid, pid);  // also from the parent: no window where kill(-pid) misses
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close(out);
  close(err_pipe[1]);
  if (pid < 0) {
    close(err_pipe[0]);
    result.error = std::string("start qemu: fork: ") + strerror(fork_errno);
    return result;
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(err_pipe[0]);
  if (n == sizeof child_errno) {
    waitpid(pid, nullptr, 0);
    result.error = "start qemu: exec " + binary + ": " + strerror(child_errno);
    return result;
  }
  // glibc 2.36's <sys/pidfd.h> lacks extern "C", so call the syscall directly.
  // -1 on kernels before 5.3: wait_for() and the supervisor fall back to polling.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  if (options.registry != nullptr) {
    options.registry->add(pid);
    if (options.registry->interrupted()) kill(-pid, SIGKILL);
  }
  result.process = QemuProcess(pid, pidfd, options.registry);
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
