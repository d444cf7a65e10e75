// fork + exec with everything the child needs prepared before the fork: argv,
// envp, the resolved binary and the opened output file. After fork the child
// only calls async-signal-safe functions. It reports a failure as {stage,
// errno} over a close-on-exec pipe, which the parent reads to EOF (EOF alone:
// exec succeeded).
#include "vmm/subprocess.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "vmm/path_search.h"

extern char** environ;

namespace ktstr {
namespace {

// Where the child failed.
enum Stage : int { kStageParentDied = 1, kStageChdir, kStageExec, kStageRedirect };

struct ChildError {
  int stage = 0;
  int err = 0;
};

void report(int fd, int stage) {
  const ChildError e{stage, errno};
  ssize_t ignored = ::write(fd, &e, sizeof e);
  (void)ignored;
}

// The environment with `extra` entries replacing inherited ones of the same name.
std::vector<std::string> merged_env(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string_view entry = *e;
    const size_t eq = entry.find('=');
    bool overridden = false;
    for (const auto& o : extra)
      if (eq != std::string_view::npos && o.compare(0, eq + 1, entry.substr(0, eq + 1)) == 0)
        overridden = true;
    if (!overridden) out.emplace_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// Opens what a Redirect names in the parent; -1 for kInherit/kSameAsStdout.
// `*pipe_read` gets the read end of a kPipe.
int open_redirect(const Redirect& r, int* pipe_read, std::string* error) {
  switch (r.kind) {
    case Redirect::Kind::kInherit:
    case Redirect::Kind::kSameAsStdout:
      return -1;
    case Redirect::Kind::kNull:
      return ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    case Redirect::Kind::kFd:
      return ::fcntl(r.fd, F_DUPFD_CLOEXEC, 3);
    case Redirect::Kind::kFile: {
      const int fd = ::open(r.file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) *error = "open " + r.file.string() + ": " + std::strerror(errno);
      return fd;
    }
    case Redirect::Kind::kPipe: {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) {
        *error = std::string("pipe: ") + std::strerror(errno);
        return -1;
      }
      *pipe_read = fds[0];
      return fds[1];
    }
  }
  return -1;
}

}  // namespace

Subprocess spawn_subprocess(const SubprocessOptions& options) {
  Subprocess result;
  if (options.argv.empty()) {
    result.error = "empty command";
    return result;
  }
  if (options.stdout_to.kind == Redirect::Kind::kSameAsStdout ||
      (options.stdout_to.kind == Redirect::Kind::kPipe &&
       options.stderr_to.kind == Redirect::Kind::kPipe)) {
    result.error = "unsupported redirection (stdout same as stdout, or two pipes)";
    return result;
  }
  const std::string& name = options.argv[0];
  std::string binary = name;
  if (name.find('/') == std::string::npos) {
    const char* path = std::getenv("PATH");
    binary = find_on_path(name, path, PathMatch::kExecutable).string();
    if (binary.empty()) {
      result.error = name + ": not found in PATH (" +
                     (path ? std::string(path) : "unset: /usr/local/bin:/usr/bin:/bin") + ")";
      return result;
    }
  }
  // Everything the child touches, prepared before fork (no allocation after it).
  std::vector<char*> argv;
  for (const std::string& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_store = merged_env(options.env);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string cwd = options.cwd.string();

  int out_read = -1, err_read = -1;
  const int out = open_redirect(options.stdout_to, &out_read, &result.error);
  if (!result.error.empty()) return result;
  const int err = open_redirect(options.stderr_to, &err_read, &result.error);
  auto close_fd = [](int fd) {
    if (fd >= 0) ::close(fd);
  };
  if (!result.error.empty()) {
    close_fd(out);
    close_fd(out_read);
    return result;
  }
  const bool err_joins_out = options.stderr_to.kind == Redirect::Kind::kSameAsStdout;
  int status_pipe[2];
  if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    for (int fd : {out, out_read, err, err_read}) close_fd(fd);
    return result;
  }
  const pid_t parent = ::getpid();

  // No handler of ours may run in the child before exec.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int status = status_pipe[1];
    if (options.new_process_group) ::setpgid(0, 0);
    if (options.pdeathsig != 0 &&
        (::prctl(PR_SET_PDEATHSIG, options.pdeathsig) != 0 || ::getppid() != parent)) {
      report(status, kStageParentDied);
      ::_exit(127);
    }
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in == 0) ::fcntl(0, F_SETFD, 0);  // fd 0 was closed: keep it open across exec
    if (in > 0) ::dup2(in, 0);
    if ((out >= 0 && ::dup2(out, 1) < 0) || (err >= 0 && ::dup2(err, 2) < 0) ||
        (err_joins_out && ::dup2(1, 2) < 0)) {
      report(status, kStageRedirect);
      ::_exit(127);
    }
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      report(status, kStageChdir);
      ::_exit(127);
    }
    ::execve(binary.c_str(), argv.data(), envp.data());
    report(status, kStageExec);
    ::_exit(127);
  }
  const int fork_errno = errno;
  if (pid > 0 && options.new_process_group) ::setpgid(pid, pid);  // no window for kill(-pid)
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  for (int fd : {out, err, status_pipe[1]}) close_fd(fd);
  if (pid < 0) {
    for (int fd : {out_read, err_read, status_pipe[0]}) close_fd(fd);
    result.error = std::string("fork: ") + std::strerror(fork_errno);
    return result;
  }
  ChildError child;
  ssize_t n;
  do {
    n = ::read(status_pipe[0], &child, sizeof child);
  } while (n < 0 && errno == EINTR);
  ::close(status_pipe[0]);
  if (n == sizeof child) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    for (int fd : {out_read, err_read}) close_fd(fd);
    const char* why = std::strerror(child.err);
    switch (child.stage) {
      case kStageParentDied:
        result.error = "start " + binary + ": the parent died before PR_SET_PDEATHSIG";
        break;
      case kStageChdir:
        result.error = "chdir " + cwd + ": " + why;
        break;
      case kStageRedirect:
        result.error = "redirect the output of " + binary + ": " + why;
        break;
      default:
        result.error = "exec " + binary + ": " + why;
    }
    return result;
  }
  result.pid = pid;
  result.output = out_read >= 0 ? out_read : err_read;
  if (options.pidfd) {
    // glibc 2.36's <sys/pidfd.h> lacks extern "C", so call the syscall directly.
    result.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (result.pidfd >= 0) ::fcntl(result.pidfd, F_SETFD, FD_CLOEXEC);
  }
  return result;
}

}  // namespace ktstr
