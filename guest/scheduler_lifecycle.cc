#include "guest/scheduler_lifecycle.h"

#include <sys/utsname.h>

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <fstream>
#include <sstream>

#include "guest/protocol/line_collapse.h"
#include "guest/protocol/valid_utf8.h"
#include "guest/sysrq_dump.h"
#include "guest/watchdog_override.h"

namespace ktstr {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string read_trimmed(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return "";
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "was killed by " + signal_name(sig) + " (" + strsignal(sig) + ")" +
           (WCOREDUMP(status) ? ", core dumped" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

/// `sched_ext: BPF scheduler "NAME" disabled (REASON)` → REASON (the exit kind).
std::string disabled_reason(const std::vector<std::string>& lines, std::string* ops = nullptr) {
  static const std::string kPrefix = "sched_ext: BPF scheduler \"";
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const std::string& l = *it;
    auto p = l.find(kPrefix);
    if (p == std::string::npos) continue;
    auto q = l.find("\" disabled (", p + kPrefix.size());
    if (q == std::string::npos) continue;
    auto e = l.rfind(')');
    if (e == std::string::npos || e < q) continue;
    if (ops) *ops = l.substr(p + kPrefix.size(), q - p - kPrefix.size());
    const std::size_t start = q + std::string("\" disabled (").size();
    return l.substr(start, e - start);
  }
  return "";
}

/// `sched_ext: NAME: MESSAGE` after the disabled line → MESSAGE.
std::string exit_message(const std::vector<std::string>& lines, const std::string& ops) {
  if (ops.empty()) return "";
  const std::string prefix = "sched_ext: " + ops + ": ";
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    auto p = it->find(prefix);
    if (p != std::string::npos) return it->substr(p + prefix.size());
  }
  return "";
}

/// The kernel lines for a verdict detail: the stack trace cut to a few frames
/// (data.scheduler.kmsg keeps them all).
std::string kmsg_detail(const std::vector<std::string>& lines) {
  constexpr std::size_t kMaxTrace = 8;
  std::string k = "kernel log:";
  std::size_t trace = 0, cut = 0;
  for (const auto& l : lines) {
    if (!l.empty() && l[0] == ' ') {
      if (++trace > kMaxTrace) {
        ++cut;
        continue;
      }
    } else {
      if (cut) k += "\n  [... " + std::to_string(cut) + " more stack frames]";
      trace = cut = 0;
    }
    k += "\n  " + l;
  }
  if (cut) k += "\n  [... " + std::to_string(cut) + " more stack frames]";
  return k;
}

}  // namespace

SchedulerLifecycleOptions SchedulerLifecycleOptions::under(const fs::path& root) {
  SchedulerLifecycleOptions o;
  o.root = root;
  o.sys = root / "sys";
  o.kmsg = root / "dev" / "kmsg";
  o.mem = root / "dev" / "mem";
  o.iomem = root / "proc" / "iomem";
  // bpf() reads the running kernel: only for the guest itself, not a fake tree.
  o.introspect_bpf = root == "/";
  return o;
}

std::string SchedExtExit::text() const {
  std::string t = kind.empty() ? reason : kind + ": " + reason;
  if (!message.empty()) t += "\nexit message: " + message;
  for (const auto& l : kmsg) t += "\nkernel: " + l;
  if (!output_tail.empty()) t += "\nscheduler output (tail):\n" + output_tail;
  return t;
}

std::string collapse_output(const std::string& output, std::size_t max_lines) {
  const std::vector<std::string> lines = collapse_lines(output);
  std::string out;
  const std::size_t first = lines.size() > max_lines ? lines.size() - max_lines : 0;
  if (first > 0) out += "[... " + std::to_string(first) + " earlier lines]\n";
  for (std::size_t i = first; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

std::vector<std::string> sched_ext_kmsg_lines(const std::string& records) {
  std::vector<std::string> out;
  std::istringstream in(records);
  std::string line;
  bool in_trace = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    // /dev/kmsg continuation lines (" KEY=value") carry metadata, not text.
    if (line[0] == ' ' && line.find('=') != std::string::npos &&
        line.find(';') == std::string::npos)
      continue;
    std::string msg = line;
    auto semi = line.find(';');
    auto comma = line.find(',');
    if (semi != std::string::npos && comma != std::string::npos && comma < semi &&
        line.find_first_not_of("0123456789,-+cC ", 0) >= semi - 1)
      msg = line.substr(semi + 1);
    if (msg.find("sched_ext: ") != std::string::npos) {
      out.push_back(msg);
      in_trace = msg.find(" disabled (") != std::string::npos || in_trace;
    } else if (in_trace && !msg.empty() && msg[0] == ' ' && out.size() < 200) {
      out.push_back(msg);  // stack_trace_print() lines, indented
    } else {
      in_trace = false;
    }
  }
  return out;
}

// --- the child process -------------------------------------------------------

struct SchedulerLifecycle::Child {
  pid_t pid = -1;
  int out_fd = -1;
  std::thread reader;
  std::mutex mu;
  std::string output;  ///< the last output_limit bytes
  std::size_t total = 0;
  bool exited = false;
  int status = 0;
  std::size_t limit = 0;

  void read_loop() {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(out_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::lock_guard<std::mutex> lock(mu);
      output.append(buf, static_cast<std::size_t>(n));
      total += static_cast<std::size_t>(n);
      if (output.size() > limit) output.erase(0, output.size() - limit);
    }
  }

  /// Reaps without blocking. True once the child is gone.
  bool poll() {
    std::lock_guard<std::mutex> lock(mu);
    if (exited || pid <= 0) return true;
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      exited = true;
      status = r == pid ? st : 0;
    }
    return exited;
  }

  ~Child() {
    if (pid > 0 && !poll()) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      int st = 0;
      while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
    }
    if (reader.joinable()) reader.join();
    if (out_fd >= 0) close(out_fd);
  }
};

SchedulerLifecycle::SchedulerLifecycle(SchedulerSpec spec, ScenarioHost& host,
                                       SchedulerLifecycleOptions opt)
    : spec_(std::move(spec)), host_(host), opt_(std::move(opt)) {}

SchedulerLifecycle::~SchedulerLifecycle() {
  stop_monitor_ = true;
  if (monitor_.joinable()) monitor_.join();
  child_.reset();
  if (kmsg_fd_ >= 0) close(kmsg_fd_);
}

std::string SchedulerLifecycle::read_state() const {
  return read_trimmed(opt_.sys / "kernel" / "sched_ext" / "state");
}
std::string SchedulerLifecycle::read_ops() const {
  return read_trimmed(opt_.sys / "kernel" / "sched_ext" / "root" / "ops");
}

std::string SchedulerLifecycle::output_snapshot() const {
  if (!child_) return "";
  std::lock_guard<std::mutex> lock(child_->mu);
  // The scheduler's output is untrusted bytes (and the tail's cut may split a character).
  return make_valid_utf8(child_->output);
}

std::vector<std::string> SchedulerLifecycle::read_new_kmsg() {
  if (kmsg_fd_ >= 0) {
    char buf[8192];
    for (;;) {
      ssize_t n = ::read(kmsg_fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EPIPE) continue;  // records were overwritten; go on
      if (n <= 0) break;
      std::string rec(buf, static_cast<std::size_t>(n));
      if (rec.back() != '\n') rec += '\n';
      kmsg_seen_ += rec;
      if (kmsg_seen_.size() > (1u << 20)) kmsg_seen_.erase(0, kmsg_seen_.size() - (1u << 20));
    }
  }
  return sched_ext_kmsg_lines(make_valid_utf8(kmsg_seen_));
}

bool SchedulerLifecycle::wait_child(double seconds) {
  auto t0 = Clock::now();
  while (!child_->poll()) {
    if (since(t0) >= seconds) return false;
    sleep_s(opt_.poll_interval_s);
  }
  return true;
}

bool SchedulerLifecycle::wait_state(const std::string& want, double seconds) const {
  auto t0 = Clock::now();
  while (read_state() != want) {
    if (since(t0) >= seconds) return false;
    sleep_s(opt_.poll_interval_s);
  }
  return true;
}

SchedExtExit SchedulerLifecycle::describe_exit(const std::string& kind_hint,
                                               const std::string& reason) {
  // Give the kernel's disable work and the scheduler's own exit a moment: the
  // process prints its debug dump and exits once the kernel has disabled it.
  SchedExtExit e;
  e.kmsg = read_new_kmsg();
  std::string ops;
  std::string kind = disabled_reason(e.kmsg, &ops);
  std::string msg = exit_message(e.kmsg, ops);
  e.kind = kind.empty() ? kind_hint : kind;
  e.reason = reason;
  if (!kind.empty()) {
    e.reason += "; the kernel disabled BPF scheduler \"" + ops + "\" (" + kind + ")";
    if (!msg.empty()) e.reason += ": " + msg;
  }
  e.message = msg;
  e.output_tail = collapse_output(output_snapshot(), opt_.tail_lines);
  return e;
}

void SchedulerLifecycle::fill_data(ScenarioOutcome& outcome, const SchedExtExit* exit) const {
  if (!outcome.data.is_object()) outcome.data = nlohmann::json::object();
  nlohmann::json d = {
      {"kind", spec_.kind}, {"name", spec_.name}, {"binary", spec_.binary}, {"args", spec_.args}};
  {
    std::lock_guard<std::mutex> lock(mu_);
    d["ops"] = ops_;
    d["attach_s"] = attach_s_;
    d["last_state"] = last_state_;
    if (!watchdog_.is_null()) d["watchdog"] = watchdog_;
  }
  if (child_) {
    std::lock_guard<std::mutex> lock(child_->mu);
    d["pid"] = child_->pid;
    d["output_bytes"] = child_->total;
    if (child_->exited) d["exit"] = describe_status(child_->status);
  }
  d["output_tail"] = collapse_output(output_snapshot(), opt_.tail_lines);
  d["kmsg"] = sched_ext_kmsg_lines(make_valid_utf8(kmsg_seen_));
  if (!bpf_json_.is_null()) d["bpf"] = bpf_json_;
  if (!sysrq_json_.is_null()) d["sysrq_dump"] = sysrq_json_;
  if (exit) {
    d["exit_kind"] = exit->kind;
    d["exit_message"] = exit->message;
    d["exit_reason"] = exit->reason;
    d["error_text"] = exit->text();
  }
  outcome.data["scheduler"] = std::move(d);
}

bool SchedulerLifecycle::start(ScenarioOutcome& outcome) {
  if (spec_.kind == "eevdf") return true;
  auto refuse = [&](const std::string& verdict, const std::string& why, const SchedExtExit* e) {
    outcome.verdict = verdict;
    outcome.details = {why};
    if (e) {
      if (!e->kmsg.empty()) outcome.details.push_back(kmsg_detail(e->kmsg));
      if (!e->output_tail.empty())
        outcome.details.push_back("scheduler output (tail):\n" + e->output_tail);
    }
    fill_data(outcome, e);
    return false;
  };
  if (spec_.kind != "sched_ext")
    return refuse("error", "unknown scheduler kind '" + spec_.kind + "'", nullptr);
  const std::string who = "scheduler '" + spec_.name + "'";
  const fs::path state_path = opt_.sys / "kernel" / "sched_ext" / "state";
  std::error_code ec;
  if (!fs::exists(state_path, ec))
    return refuse("error",
                  "the guest kernel has no sched_ext (" + state_path.string() +
                      " is missing); run `ktstr-run kernel build` for a sched_ext kernel",
                  nullptr);
  std::string state = read_state();
  if (state != "disabled") {
    std::string ops = read_ops();
    return refuse("error",
                  "another sched_ext scheduler is already loaded (state '" + state + "'" +
                      (ops.empty() ? "" : ", root/ops '" + ops + "'") + "); refusing to start " +
                      who,
                  nullptr);
  }
  if (!spec_.config_file.empty()) {
    fs::path cf = spec_.config_file;
    cf = opt_.root / cf.relative_path();
    fs::create_directories(cf.parent_path(), ec);
    std::ofstream out(cf, std::ios::binary | std::ios::trunc);
    out << spec_.config;
    if (!out)
      return refuse("error", "cannot write the config file " + cf.string() + " for " + who,
                    nullptr);
  }
  if (!opt_.kmsg.empty()) {
    kmsg_fd_ = ::open(opt_.kmsg.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (kmsg_fd_ >= 0) lseek(kmsg_fd_, 0, SEEK_END);  // only what happens from now on
  }

  // fork/exec with stdout+stderr into a pipe; an exec error comes back on a
  // close-on-exec pipe.
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0)
    return refuse("error", std::string("pipe: ") + strerror(errno), nullptr);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return refuse("error", std::string("pipe: ") + strerror(errno), nullptr);
  }
  std::vector<std::string> argv_s = {spec_.binary};
  argv_s.insert(argv_s.end(), spec_.args.begin(), spec_.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string dev_null = (opt_.root / "dev" / "null").string();

  started_at_ = Clock::now();
  if (timespec ts{}; clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
    started_boot_ns_ = std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    return refuse("error", std::string("fork: ") + strerror(err), nullptr);
  }
  if (pid == 0) {
    // Async-signal-safe calls only.
    setpgid(0, 0);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD}) signal(s, SIG_DFL);
    int in = ::open(dev_null.c_str(), O_RDONLY);
    if (in >= 0) dup2(in, 0);
    dup2(out_pipe[1], 1);
    dup2(out_pipe[1], 2);
    execv(argv[0], argv.data());
    int err = errno;
    ssize_t w = ::write(err_pipe[1], &err, sizeof err);
    (void)w;
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  child_ = std::make_unique<Child>();
  child_->pid = pid;
  child_->out_fd = out_pipe[0];
  child_->limit = opt_.output_limit;
  child_->reader = std::thread([c = child_.get()] { c->read_loop(); });
  int exec_errno = 0;
  ssize_t n;
  while ((n = ::read(err_pipe[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  close(err_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    wait_child(5);
    return refuse("error",
                  "cannot run " + who + ": exec " + spec_.binary + ": " + strerror(exec_errno),
                  nullptr);
  }
  host_.log("info", who + ": started " + spec_.binary + " (pid " + std::to_string(pid) +
                        "), waiting for sched_ext to enable it");

  // Wait for attach: state "enabled" and root/ops set.
  for (;;) {
    state = read_state();
    std::string ops = read_ops();
    if (state == "enabled" && !ops.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      ops_ = ops;
      last_state_ = state;
      attach_s_ = since(started_at_);
      break;
    }
    if (child_->poll()) {
      int status;
      {
        std::lock_guard<std::mutex> lock(child_->mu);
        status = child_->status;
      }
      wait_state("disabled", 2);  // let a disable in flight finish and log
      if (child_->reader.joinable()) child_->reader.join();
      SchedExtExit e =
          describe_exit("exited", who + " did not attach: the process " + describe_status(status) +
                                      " before state became "
                                      "\"enabled\" (state '" +
                                      read_state() + "')");
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_state_ = read_state();
      }
      return refuse("fail", e.reason, &e);
    }
    if (since(started_at_) >= opt_.attach_timeout_s) {
      std::vector<std::string> problems;
      stop_child(problems);
      std::ostringstream r;
      r << who << " did not attach within " << opt_.attach_timeout_s << " s (state '" << state
        << "', root/ops '" << ops << "')";
      for (const auto& p : problems) r << "; " << p;
      SchedExtExit e = describe_exit("did not attach", r.str());
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_state_ = read_state();
      }
      return refuse("fail", e.reason, &e);
    }
    sleep_s(opt_.poll_interval_s);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    host_.log("info", who + ": attached as sched_ext ops '" + ops_ + "' after " +
                          std::to_string(attach_s_).substr(0, 5) + " s");
  }
  if (std::string why; !apply_watchdog(why)) {
    std::vector<std::string> problems;
    stop_child(problems);
    for (const auto& p : problems) why += "; " + p;
    return refuse("error", why, nullptr);
  }
  if (opt_.introspect_bpf) {
    // Now, while the loader is alive: the fds keep its maps after it exits.
    bpf_ = std::make_unique<BpfIntrospect>();
    std::string err;
    bpf_json_ = {{"programs", nlohmann::json::array()}};
    if (bpf_->capture(started_boot_ns_, err)) {
      bpf_json_["programs"] = bpf_->programs();
      host_.log("info", who + ": " + std::to_string(bpf_->programs().size()) +
                            " struct_ops programs, " + std::to_string(bpf_->map_count()) +
                            " maps kept for the failure dump");
    } else {
      bpf_json_["error"] = err;
    }
  }
  monitor_ = std::thread([this] { monitor_loop(); });
  return true;
}

void SchedulerLifecycle::capture_dump() {
  // SysRq-D only prints while the scheduler is enabled (a failed one is not).
  sysrq_json_ = capture_sysrq_dump(opt_.root, opt_.sysrq_lines);
  if (!bpf_) return;
  bpf_json_["maps"] = bpf_->dump_maps(opt_.dump_limits);
  bpf_json_["captured_at"] = "end";
}

std::string SchedulerLifecycle::watchdog_summary() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream s;
  if (watchdog_.is_null()) return "watchdog: the scheduler's own timeout";
  s << "watchdog: ";
  const double want = watchdog_.value("requested_s", 0.0);
  if (watchdog_.value("applied", false)) {
    s << want << " s (watchdog_timeout_s, written after the attach; the scheduler asked for "
      << watchdog_.value("scheduler_s", 0.0) << " s; in force from the kernel's first check, "
      << watchdog_.value("first_check_s", 0.0) << " s after the attach)";
  } else {
    s << "the scheduler's own (watchdog_timeout_s = " << want
      << " was not applied: " << watchdog_.value("error", std::string()) << ")";
  }
  return s.str();
}

bool SchedulerLifecycle::apply_watchdog(std::string& error) {
  if (!spec_.watchdog_timeout_s) return true;
  const double want = *spec_.watchdog_timeout_s;
  std::string release = opt_.kernel_release;
  if (release.empty()) {
    utsname u{};
    if (uname(&u) == 0) release = u.release;
  }
  WatchdogOverride w;
  w.requested_s = want;
  std::string err;
  if (opt_.kernel.symbols.empty()) {
    w.error = "the runner has no System.map for this kernel";
  } else if (auto mem =
                 KernelMemory::open(opt_.mem, opt_.iomem, opt_.kernel.symbols, release, err)) {
    w = apply_watchdog_override(*mem, opt_.kernel.symbols, want, opt_.kernel.hz);
  } else {
    w.error = err;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    watchdog_ = w.to_json();
  }
  std::ostringstream msg;
  msg << "watchdog_timeout_s = " << want;
  if (w.applied) {
    msg << ": scx_watchdog_timeout " << w.scheduler_jiffies << " -> " << w.jiffies
        << " jiffies (HZ " << w.hz
        << "; the scheduler's own: " << double(w.scheduler_jiffies) / w.hz
        << " s), in force from the kernel's first check, " << double(w.scheduler_jiffies / 2) / w.hz
        << " s after the attach";
    host_.log("info", msg.str());
    return true;
  }
  msg << " could not be applied: " << w.error;
  if (spec_.watchdog_required) {
    error = msg.str();
    return false;
  }
  host_.log("warn", msg.str() + " (the built-in default; the scheduler's own timeout stays)");
  return true;
}

void SchedulerLifecycle::monitor_loop() {
  while (!stop_monitor_) {
    std::string state = read_state();
    bool dead = child_->poll();
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_state_ = state;
      if (!failed_ && (dead || state != "enabled")) {
        failed_ = true;
        if (dead) {
          std::lock_guard<std::mutex> cl(child_->mu);
          failure_kind_ = "exited";
          failure_reason_ =
              "the scheduler process " + describe_status(child_->status) + " during the run";
        } else {
          failure_kind_ = "disabled";
          failure_reason_ =
              "the kernel disabled the scheduler during the run (state '" + state + "')";
        }
        failure_reason_ += " after " + std::to_string(since(started_at_)).substr(0, 5) + " s";
      }
    }
    if (dead) return;
    sleep_s(opt_.poll_interval_s);
  }
}

void SchedulerLifecycle::stop_child(std::vector<std::string>& problems) {
  if (!child_ || child_->poll()) return;
  kill(child_->pid, SIGINT);
  if (!wait_child(opt_.stop_timeout_s)) {
    problems.push_back("the scheduler ignored SIGINT for " +
                       std::to_string(opt_.stop_timeout_s).substr(0, 4) +
                       " s and was killed with SIGKILL");
    kill(-child_->pid, SIGKILL);
    kill(child_->pid, SIGKILL);
    wait_child(5);
  }
}

void SchedulerLifecycle::finish(ScenarioOutcome& outcome) {
  if (spec_.kind != "sched_ext" || !child_) return;
  stop_monitor_ = true;
  if (monitor_.joinable()) monitor_.join();
  const std::string who = "scheduler '" + spec_.name + "'";
  bool failed;
  std::string kind, reason;
  {
    std::lock_guard<std::mutex> lock(mu_);
    failed = failed_;
    kind = failure_kind_;
    reason = failure_reason_;
  }
  // The dump comes before the stop: SysRq-D needs the scheduler enabled, and
  // the host decides later whether a check failed.
  capture_dump();
  std::vector<std::string> problems;
  if (failed) {
    // The kernel disabled it: the scheduler notices, prints its dump and exits.
    wait_child(opt_.exit_grace_s);
  }
  stop_child(problems);
  if (child_->reader.joinable()) child_->reader.join();
  if (!wait_state("disabled", opt_.disable_timeout_s))
    problems.push_back("sched_ext state is '" + read_state() + "', not \"disabled\", " +
                       std::to_string(opt_.disable_timeout_s).substr(0, 4) + " s after the stop");
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_state_ = read_state();
  }
  // A clean stop says "unregistered from user space"; anything else is a failure
  // even if the monitor did not see it (it happened during the stop).
  const bool failed_before_stop = failed;
  std::vector<std::string> kl = read_new_kmsg();
  std::string dk = disabled_reason(kl);
  if (!failed && !dk.empty() && dk != "unregistered from user space") {
    failed = true;
    kind = dk;
    reason = "the kernel disabled the scheduler";
  }
  if (!failed && !problems.empty()) {
    failed = true;
    kind = "stop";
    reason = "stopping it went wrong";
  }
  if (!failed) {
    fill_data(outcome, nullptr);
    return;
  }
  SchedExtExit e = describe_exit(kind, who + ": " + reason);
  for (const auto& p : problems) e.reason += "; " + p;
  if (failed_before_stop && bpf_json_.contains("captured_at"))
    bpf_json_["captured_at"] = e.kind.find("stall") != std::string::npos ? "stall" : "exit";
  if (e.kind.find("stall") != std::string::npos) e.reason += "; " + watchdog_summary();
  outcome.verdict = "fail";
  // The scheduler's failure comes first: it usually explains the scenario's.
  std::vector<std::string> details = {e.reason};
  if (!e.kmsg.empty()) details.push_back(kmsg_detail(e.kmsg));
  if (!e.output_tail.empty()) details.push_back("scheduler output (tail):\n" + e.output_tail);
  details.insert(details.end(), outcome.details.begin(), outcome.details.end());
  outcome.details = std::move(details);
  fill_data(outcome, &e);
}

}  // namespace ktstr
