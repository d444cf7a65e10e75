// Child processes for the kernel commands. The child runs in its own process
// group so that we, not the terminal, decide when make and its compilers stop:
// a Ctrl-C sets a flag, the poll loop notices it, signals the group, reaps the
// child, and the caller removes its temporary files before returning.
#include "vmm/kernel_subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "vmm/path_search.h"
#include "vmm/subprocess.h"

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
  return !find_on_path(name, PathMatch::kExecutable).empty();
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  ProcessResult result;
  if (argv.empty()) {
    result.error = "no command";
    return result;
  }
  const Subprocess child = spawn_subprocess({.argv = argv,
                                             .cwd = options.cwd,
                                             .env = options.env,
                                             .stdout_to = Redirect::pipe(),
                                             .stderr_to = Redirect::same_as_stdout(),
                                             .new_process_group = true,
                                             .pdeathsig = SIGTERM});
  if (!child.ok()) {
    result.error = child.error;
    return result;
  }
  const pid_t pid = child.pid;
  const int output = child.output;

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
      output, POLLIN, 0
    };
    const int r = ::poll(&pfd, 1, 200);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    const ssize_t n = ::read(output, buf, sizeof buf);
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
  ::close(output);
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
