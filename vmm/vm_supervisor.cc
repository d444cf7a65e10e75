// The per-VM event loop. One poll() over: the console and channel listeners
// (then their accepted connections), the QMP socket (connected with retries
// while QEMU starts), QEMU's pidfd and the runner's interrupt eventfd. The
// poll timeout is the nearest deadline, so no extra timer fd is needed.
//
// Life of a VM:
//   running   → reading; the first of these decides how it ends: "done" frame,
//               panic line on the console, QEMU exit, a timeout, an interrupt;
//   stopping  → an escalation ladder with one deadline per rung: wait for the
//               guest to power off (after "done") or collect the console (after
//               a panic), then QMP quit, then SIGTERM to the group, then SIGKILL;
//   exited    → drain both sockets to EOF (the last console lines of a panic
//               are often still buffered), reap, remove socket files.
#include "vmm/vm_supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include "guest/protocol/frame.h"
#include "guest/protocol/valid_utf8.h"
#include "vmm/qmp_client.h"

namespace ktstr {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// An owned file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

/// A non-blocking unix listening socket on `path` (a stale file is replaced).
Fd listen_unix(const std::filesystem::path& path, std::string* error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.native().size() >= sizeof addr.sun_path) {
    *error = "socket path too long (max 107 bytes): " + path.string();
    return Fd();
  }
  std::memcpy(addr.sun_path, path.c_str(), path.native().size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) {
    *error = std::string("socket: ") + strerror(errno);
    return Fd();
  }
  ::unlink(path.c_str());
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd.get(), 1) != 0) {
    *error = "listen on " + path.string() + ": " + strerror(errno);
    return Fd();
  }
  return fd;
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

std::string seconds(milliseconds d) { return fmt::format("{:g} s", d.count() / 1000.0); }

/// The last `max` bytes of a file, starting at a line boundary when possible.
std::string file_tail(const std::filesystem::path& path, size_t max) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff start = size > static_cast<std::streamoff>(max) ? size - max : 0;
  in.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (start > 0) {
    size_t nl = text.find('\n');
    if (nl != std::string::npos && nl + 1 < text.size()) text.erase(0, nl + 1);
  }
  return text;
}

/// The last non-empty line of `text`.
std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n");
  if (end == std::string::npos) return "";
  size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end - start + 1);
}

/// What QEMU last wrote to its stdout/stderr (e.g. "could not load kernel
/// ..."), at most three lines joined by " | ", with bytes outside printable
/// ASCII shown as \xNN (the guest can make QEMU print its bytes), capped.
std::string qemu_said(const std::filesystem::path& output) {
  constexpr size_t kMaxLines = 3, kMaxChars = 400;
  const std::string tail = file_tail(output, 4096);
  std::vector<std::string> lines;
  size_t end = tail.size();
  while (lines.size() < kMaxLines && end > 0) {
    const size_t nl = tail.rfind('\n', end - 1);
    const size_t start = nl == std::string::npos ? 0 : nl + 1;
    std::string line = tail.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.insert(lines.begin(), line);
    if (nl == std::string::npos) break;
    end = nl;
  }
  std::string out;
  for (const std::string& line : lines) {
    if (!out.empty()) out += " | ";
    for (unsigned char c : line)
      out += c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c))
                                   : fmt::format("\\x{:02x}", c);
  }
  if (out.size() > kMaxChars) out = out.substr(0, kMaxChars) + "...";
  return out;
}

class Supervisor {
 public:
  explicit Supervisor(const VmRunSpec& spec)
      : spec_(spec),
        console_(spec.limits.console_tail_bytes),
        decoder_(spec.limits.max_frame_payload) {}

  VmOutcome run();

 private:
  enum class Rung { kNone, kWaitGuest, kQuit, kTerm, kKill };

  bool setup();
  void loop();
  void read_console();
  void read_channel();
  void handle_frame(nlohmann::json frame);
  void accept_on(Fd& listener, Fd& conn);
  void try_qmp();
  void decide(VmExitReason reason, std::string detail, milliseconds wait_guest);
  void advance_ladder();
  void on_qemu_exit();
  std::optional<Clock::time_point> next_deadline() const;
  void check_deadlines();
  void finish();

  const VmRunSpec& spec_;
  VmOutcome out_;
  ConsoleClassifier console_;
  FrameDecoder decoder_;
  QemuProcess qemu_;
  QmpClient qmp_;
  bool qmp_gave_up_ = false;
  Fd console_listener_, console_conn_, channel_listener_, channel_conn_;
  std::ofstream frames_file_;

  Clock::time_point t_launch_, t_booted_, t_decided_;
  bool decided_ = false;
  bool interrupt_seen_ = false;
  Rung rung_ = Rung::kNone;
  Clock::time_point rung_deadline_;
  std::string stopped_by_;
};

bool Supervisor::setup() {
  std::error_code ec;
  std::filesystem::create_directories(spec_.run_dir, ec);
  if (ec) {
    out_.detail = "create run directory " + spec_.run_dir.string() + ": " + ec.message();
    return false;
  }
  out_.console_log_path = spec_.endpoints.console_log;
  out_.frames_path = spec_.run_dir / "frames.jsonl";
  out_.qemu_output_path = spec_.run_dir / "qemu.log";
  frames_file_.open(out_.frames_path, std::ios::binary | std::ios::trunc);
  std::string error;
  std::filesystem::remove(spec_.endpoints.qmp_socket, ec);
  console_listener_ = listen_unix(spec_.endpoints.console_socket, &error);
  if (console_listener_) channel_listener_ = listen_unix(spec_.endpoints.channel_socket, &error);
  if (!console_listener_ || !channel_listener_) {
    out_.detail = "start qemu: " + error;
    return false;
  }
  t_launch_ = Clock::now();
  QemuProcess::Spawned spawned = QemuProcess::spawn(
      {.argv = spec_.argv, .output_path = out_.qemu_output_path, .registry = spec_.registry});
  if (!spawned.ok()) {
    out_.detail = spawned.error;
    return false;
  }
  qemu_ = std::move(spawned.process);
  return true;
}

VmOutcome Supervisor::run() {
  if (setup()) {
    loop();
  } else {
    out_.reason = VmExitReason::kQemuFailed;
    t_launch_ = t_decided_ = Clock::now();
  }
  finish();
  return std::move(out_);
}

void Supervisor::loop() {
  const int interrupt_fd = spec_.registry != nullptr ? spec_.registry->interrupt_fd() : -1;
  while (qemu_.running()) {
    if (!qmp_.connected() && !qmp_gave_up_) try_qmp();
    std::vector<pollfd> fds;
    auto want = [&fds](int fd, short events) {
      if (fd >= 0) fds.push_back(pollfd{fd, events, 0});
    };
    want(console_listener_.get(), POLLIN);
    want(console_conn_.get(), POLLIN);
    want(channel_listener_.get(), POLLIN);
    want(channel_conn_.get(), POLLIN);
    want(qmp_.fd(), static_cast<short>(POLLIN | (qmp_.wants_write() ? POLLOUT : 0)));
    want(qemu_.pidfd(), POLLIN);
    if (!interrupt_seen_) want(interrupt_fd, POLLIN);

    int timeout = 1000;  // also bounds the wait when pidfd_open was unavailable
    if (auto deadline = next_deadline()) {
      auto left = std::chrono::ceil<milliseconds>(*deadline - Clock::now()).count();
      timeout = static_cast<int>(std::clamp<long>(left, 0, timeout));
    }
    if (!qmp_.connected() && !qmp_gave_up_) timeout = std::min(timeout, 20);
    int n = poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR) break;

    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == console_listener_.get()) {
        accept_on(console_listener_, console_conn_);
      } else if (p.fd == channel_listener_.get()) {
        accept_on(channel_listener_, channel_conn_);
      } else if (p.fd == console_conn_.get()) {
        read_console();
      } else if (p.fd == channel_conn_.get()) {
        read_channel();
      } else if (p.fd == qmp_.fd()) {
        if (p.revents & POLLOUT) qmp_.on_writable();
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) qmp_.on_readable();
        if (!qmp_.connected()) qmp_gave_up_ = true;  // QEMU closed it: do not reconnect
      } else if (p.fd == interrupt_fd) {
        interrupt_seen_ = true;
        decide(VmExitReason::kInterrupted, "interrupted by SIGINT/SIGTERM", milliseconds(0));
        rung_ = Rung::kKill;  // the signal handler already SIGKILLed the group; make sure
        rung_deadline_ = Clock::now();
      }
    }
    frames_file_.flush();
    if (qemu_.try_wait()) break;
    check_deadlines();
    advance_ladder();
  }
  on_qemu_exit();
}

void Supervisor::accept_on(Fd& listener, Fd& conn) {
  int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return;
  conn = Fd(fd);
  listener.reset();  // one QEMU, one connection
}

void Supervisor::read_console() {
  char buf[65536];
  while (console_conn_) {
    ssize_t n = ::read(console_conn_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      console_conn_.reset();
      break;
    }
    out_.console_bytes += static_cast<size_t>(n);
    console_.feed(std::string_view(buf, static_cast<size_t>(n)));
    if (out_.console_bytes >= spec_.limits.max_console_bytes) {
      out_.console_capped = true;
      console_conn_.reset();
    }
  }
  if (!decided_) {
    // A panic ends the VM: no need to wait for a timeout. PID 1's death is a panic too.
    if (const ConsoleFinding* died = console_.first(FindingKind::kAgentDied)) {
      decide(VmExitReason::kAgentDied, "the agent (PID 1) died: " + died->detail,
             spec_.timeouts.panic_grace);
    } else if (const ConsoleFinding* panic = console_.first(FindingKind::kKernelPanic)) {
      decide(VmExitReason::kPanic, "kernel panic: " + panic->detail, spec_.timeouts.panic_grace);
    }
  }
}

void Supervisor::read_channel() {
  char buf[65536];
  while (channel_conn_) {
    ssize_t n = ::read(channel_conn_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      channel_conn_.reset();
      break;
    }
    size_t take =
        std::min(static_cast<size_t>(n), spec_.limits.max_channel_bytes - out_.channel.bytes);
    out_.channel.bytes += take;
    decoder_.feed(std::string_view(buf, take));
    while (auto frame = decoder_.next()) handle_frame(std::move(*frame));
    if (out_.channel.bytes >= spec_.limits.max_channel_bytes) {
      out_.channel.capped = true;
      channel_conn_.reset();
    }
  }
}

void Supervisor::handle_frame(nlohmann::json frame) {
  frames_file_ << frame.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  const std::string type = frame.value("type", "");
  if (type == "booted" && out_.booted.is_null()) {
    t_booted_ = Clock::now();
    out_.timings.launch_to_booted_ms = ms_between(t_launch_, t_booted_);
    out_.booted = frame;
  } else if (type == "result") {
    out_.result = frame;
  } else if (type == "done" && !out_.done) {
    out_.done = true;
    if (!out_.booted.is_null()) {
      out_.timings.booted_to_done_ms = ms_between(t_booted_, Clock::now());
    }
    std::string verdict = out_.result.is_object() ? out_.result.value("verdict", "?") : "none";
    decide(VmExitReason::kDone, "the agent finished (result: " + verdict + ")",
           spec_.timeouts.poweroff_grace);
  }
  if (out_.frames.size() < spec_.limits.max_kept_frames) {
    out_.frames.push_back(std::move(frame));
  } else {
    ++out_.channel.frames_not_kept;
  }
}

void Supervisor::try_qmp() {
  if (!qemu_.running()) return;
  std::string error;
  QmpClient::Connect state = qmp_.try_connect(spec_.endpoints.qmp_socket, &error);
  if (state == QmpClient::Connect::kFailed) qmp_gave_up_ = true;
}

void Supervisor::decide(VmExitReason reason, std::string detail, milliseconds wait_guest) {
  if (decided_) return;
  decided_ = true;
  t_decided_ = Clock::now();
  out_.reason = reason;
  out_.detail = std::move(detail);
  rung_ = wait_guest.count() > 0 ? Rung::kWaitGuest : Rung::kQuit;
  rung_deadline_ = t_decided_ + wait_guest;  // the loop climbs down in advance_ladder()
}

/// Moves down the ladder when the current rung's deadline has passed.
void Supervisor::advance_ladder() {
  if (rung_ == Rung::kNone || !qemu_.running() || Clock::now() < rung_deadline_) return;
  auto now = Clock::now();
  switch (rung_) {
    case Rung::kNone:
      return;
    case Rung::kWaitGuest:
      rung_ = Rung::kQuit;
      rung_deadline_ = now;
      [[fallthrough]];
    case Rung::kQuit:
      if (qmp_.connected() && qmp_.quit()) {
        stopped_by_ = "QMP quit";
        rung_ = Rung::kTerm;
        rung_deadline_ = now + spec_.timeouts.quit_grace;
        return;
      }
      [[fallthrough]];
    case Rung::kTerm:
      stopped_by_ = "SIGTERM";
      qemu_.kill_group(SIGTERM);
      rung_ = Rung::kKill;
      rung_deadline_ = now + spec_.timeouts.term_grace;
      return;
    case Rung::kKill:
      stopped_by_ = "SIGKILL";
      qemu_.kill_group(SIGKILL);
      rung_deadline_ = now + milliseconds(1000);
      return;
  }
}

std::optional<Clock::time_point> Supervisor::next_deadline() const {
  if (decided_) return rung_deadline_;
  Clock::time_point d = t_launch_ + spec_.timeouts.hard;
  if (out_.booted.is_null()) {
    d = std::min(d, t_launch_ + spec_.timeouts.boot);
  } else {
    d = std::min(d, t_booted_ + spec_.timeouts.scenario);
  }
  return d;
}

void Supervisor::check_deadlines() {
  if (decided_) return;
  auto now = Clock::now();
  auto console_hint = [this] {
    std::string last = last_line(console_.tail());
    return last.empty() ? std::string("the console was empty") : "last console line: " + last;
  };
  if (now >= t_launch_ + spec_.timeouts.hard) {
    decide(VmExitReason::kHardTimeout,
           fmt::format("the VM exceeded its hard timeout of {}; {}", seconds(spec_.timeouts.hard),
                       console_hint()),
           milliseconds(0));
  } else if (out_.booted.is_null() && now >= t_launch_ + spec_.timeouts.boot) {
    decide(VmExitReason::kBootTimeout,
           fmt::format("no 'booted' frame within {} of launch; {}", seconds(spec_.timeouts.boot),
                       console_hint()),
           milliseconds(0));
  } else if (!out_.booted.is_null() && now >= t_booted_ + spec_.timeouts.scenario) {
    std::string last_frame = out_.frames.empty() ? "none" : out_.frames.back().value("type", "?");
    decide(VmExitReason::kScenarioTimeout,
           fmt::format("booted, but no 'done' frame within {} (last frame: {}); {}",
                       seconds(spec_.timeouts.scenario), last_frame, console_hint()),
           milliseconds(0));
  }
}

void Supervisor::on_qemu_exit() {
  // QEMU has exited (or is about to be killed): what it wrote is still in the sockets.
  if (qemu_.running()) qemu_.terminate(spec_.timeouts.term_grace);
  if (console_listener_) accept_on(console_listener_, console_conn_);
  if (channel_listener_) accept_on(channel_listener_, channel_conn_);
  read_console();
  read_channel();
  console_.finish();
  decoder_.finish();
  while (auto frame = decoder_.next()) handle_frame(std::move(*frame));
  if (!decided_) {
    ExitStatus status = qemu_.status().value_or(ExitStatus{});
    if (const ConsoleFinding* died = console_.first(FindingKind::kAgentDied)) {
      decide(VmExitReason::kAgentDied, "the agent (PID 1) died: " + died->detail, milliseconds(0));
    } else if (const ConsoleFinding* panic = console_.first(FindingKind::kKernelPanic)) {
      decide(VmExitReason::kPanic, "kernel panic: " + panic->detail, milliseconds(0));
    } else if (spec_.registry != nullptr && spec_.registry->interrupted()) {
      decide(VmExitReason::kInterrupted, "interrupted by SIGINT/SIGTERM", milliseconds(0));
    } else {
      std::string last = last_line(console_.tail());
      const std::string said = qemu_said(out_.qemu_output_path);
      decide(VmExitReason::kQemuFailed,
             fmt::format("QEMU ended ({}) before the agent's 'done' frame{}{}", status.str(),
                         said.empty() ? "" : "; QEMU said: " + said,
                         last.empty() ? "; the console is empty" : "; last console line: " + last),
             milliseconds(0));
    }
    stopped_by_.clear();
  }
}

void Supervisor::finish() {
  auto t_end = Clock::now();
  if (qemu_.running()) qemu_.terminate(spec_.timeouts.term_grace);
  if (const auto& status = qemu_.status()) {
    if (status->signal == 0) out_.qemu_exit_code = status->code;
    out_.qemu_signal = status->signal;
  }
  if (!stopped_by_.empty()) out_.detail += "; QEMU stopped by " + stopped_by_;
  if (out_.channel.capped) {
    out_.detail += fmt::format("; the channel exceeded {} bytes and was closed",
                               spec_.limits.max_channel_bytes);
  }
  out_.qmp_shutdown_reason = qmp_.shutdown_reason();
  qmp_.close();
  console_conn_.reset();
  channel_conn_.reset();
  console_listener_.reset();
  channel_listener_.reset();
  std::error_code ec;
  for (const auto* p : {&spec_.endpoints.console_socket, &spec_.endpoints.channel_socket,
                        &spec_.endpoints.qmp_socket}) {
    if (!p->empty()) std::filesystem::remove(*p, ec);
  }
  frames_file_.close();
  out_.console_tail = console_.tail();
  out_.findings = console_.findings();
  out_.channel.frames = decoder_.frames();
  out_.channel.bad_crc = decoder_.bad_crc();
  out_.channel.oversize = decoder_.oversize();
  out_.channel.bad_json = decoder_.bad_json();
  out_.channel.skipped_bytes = decoder_.skipped_bytes();
  if (!out_.qemu_output_path.empty()) {
    // QEMU's output can carry guest bytes (and the tail's cut can split a character).
    out_.stderr_tail =
        make_valid_utf8(file_tail(out_.qemu_output_path, spec_.limits.stderr_tail_bytes));
  }
  out_.timings.teardown_ms = decided_ ? ms_between(t_decided_, t_end) : 0;
  out_.timings.total_ms = ms_between(t_launch_, t_end);
}

}  // namespace

VmTimeouts VmTimeouts::for_test(double duration_s, double timeout_s) {
  VmTimeouts t;
  auto to_ms = [](double s) { return milliseconds(static_cast<long>(s * 1000)); };
  t.scenario = to_ms(std::max(0.0, duration_s) * 1.1 + 30);
  t.hard = timeout_s > 0 ? to_ms(timeout_s) : t.boot + t.scenario + milliseconds(30'000);
  return t;
}

VmOutcome supervise_vm(const VmRunSpec& spec) { return Supervisor(spec).run(); }

}  // namespace ktstr
