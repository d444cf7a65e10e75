// Child processes for the kernel commands. The child runs in its own process
// group so that we, not the terminal, decide when make and its compilers stop:
// a Ctrl-C sets a flag, the poll loop notices it, signals the group, reaps the
// child, and the caller removes its temporary files before returning.
#include "vmm/kernel_subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace ktstr {
namespace {

volatile std::sig_atomic_t g_signal = 0;

void on_signal(int sig) { g_signal = sig; }

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

std::string ProcessResult::describe() const {
  if (!error.empty()) return error;
  if (interrupted) return "interrupted";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exited " + std::to_string(exit_code);
}

InterruptGuard::InterruptGuard() {
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

int InterruptGuard::signal_received() { return g_signal; }

bool interrupted() { return g_signal != 0; }

bool have_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    const size_t end = p.find(':', start);
    std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dir.empty()) dir = ".";
    const std::string full = dir + "/" + name;
    struct stat st {};
    if (::stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(full.c_str(), X_OK) == 0)
      return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  ProcessResult result;
  if (argv.empty()) {
    result.error = "no command";
    return result;
  }
  // Everything the child needs is prepared before fork (no allocation after it).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    bool overridden = false;
    for (const auto& o : options.env)
      if (o.compare(0, eq + 1, entry, 0, eq + 1) == 0) overridden = true;
    if (!overridden) env_store.push_back(entry);
  }
  for (const auto& o : options.env) env_store.push_back(o);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string cwd = options.cwd.string();

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.error = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return result;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      const char msg[] = "ktstr: chdir failed\n";
      write_all(1, msg, sizeof msg - 1);
      ::_exit(127);
    }
    ::execvpe(args[0], args.data(), envp.data());
    const std::string msg =
        std::string("ktstr: cannot run ") + args[0] + ": " + std::strerror(errno) + "\n";
    write_all(1, msg.data(), msg.size());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so the group exists before we signal it
  ::close(fds[1]);

  std::string pending;
  char buf[16384];
  bool eof = false;
  bool term_sent = false;
  auto term_time = std::chrono::steady_clock::now();
  while (!eof) {
    if (interrupted() && !term_sent) {
      result.interrupted = true;
      ::kill(-pid, SIGTERM);
      term_sent = true;
      term_time = std::chrono::steady_clock::now();
    }
    if (term_sent && std::chrono::steady_clock::now() - term_time > std::chrono::seconds(3))
      ::kill(-pid, SIGKILL);
    struct pollfd pfd {
      fds[0], POLLIN, 0
    };
    const int r = ::poll(&pfd, 1, 200);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      break;
    }
    if (n == 0) {
      eof = true;
      break;
    }
    if (options.log_fd >= 0) write_all(options.log_fd, buf, static_cast<size_t>(n));
    if (options.capture) result.output.append(buf, static_cast<size_t>(n));
    if (options.on_line) {
      pending.append(buf, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
        options.on_line(std::string_view(pending).substr(start, nl - start));
      pending.erase(0, start);
    }
  }
  if (options.on_line && !pending.empty()) options.on_line(pending);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) break;
    if (interrupted() && !term_sent) {
      result.interrupted = true;
      ::kill(-pid, SIGTERM);
      term_sent = true;
    }
  }
  // The group may still hold grandchildren that closed their output early.
  if (term_sent) ::kill(-pid, SIGKILL);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  if (interrupted()) result.interrupted = true;
  return result;
}

}  // namespace ktstr
