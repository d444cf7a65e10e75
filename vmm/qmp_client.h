// A minimal QMP (QEMU Machine Protocol) client over a unix socket, for a clean
// quit and power-off. Non-blocking: the VM supervisor polls fd() and calls
// on_readable()/on_writable(); blocking helpers (connect, handshake) exist for
// tools and tests. QEMU is trusted more than the guest, but the parser still
// tolerates garbage: bad lines are counted and skipped, line length is capped.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ktstr {

/// QMP client state machine: connect → greeting → qmp_capabilities → ready.
class QmpClient {
 public:
  using Clock = std::chrono::steady_clock;

  /// Outcome of one connection attempt.
  enum class Connect { kConnected, kNotYet, kFailed };

  QmpClient() = default;
  ~QmpClient();
  QmpClient(QmpClient&& other) noexcept;
  QmpClient& operator=(QmpClient&& other) noexcept;
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;

  /// One non-blocking attempt: kNotYet while the socket does not exist or
  /// refuses (QEMU still starting); kFailed with *error otherwise.
  Connect try_connect(const std::filesystem::path& socket, std::string* error);
  /// Retries try_connect() until `deadline`. False with *error on failure.
  bool connect(const std::filesystem::path& socket, Clock::time_point deadline, std::string* error);
  /// Blocks until ready() (greeting read, capabilities accepted) or `deadline`.
  bool handshake(Clock::time_point deadline, std::string* error);

  /// Reads what is available and advances the protocol. False once the
  /// connection is closed (EOF or error); the socket is then closed.
  bool on_readable();
  /// Flushes queued output. False on a write error (the socket is closed).
  bool on_writable();
  /// True when queued output is waiting for POLLOUT.
  bool wants_write() const { return !out_.empty(); }

  /// Sends {"execute": command} (queued until capabilities are negotiated).
  /// False if not connected.
  bool execute(std::string_view command);
  /// Asks QEMU to exit now.
  bool quit() { return execute("quit"); }
  /// Presses the virtual power button (ACPI).
  bool system_powerdown() { return execute("system_powerdown"); }

  /// The socket, or -1.
  int fd() const { return fd_; }
  /// Connected and not yet closed.
  bool connected() const { return fd_ >= 0; }
  /// The greeting arrived.
  bool greeted() const { return greeted_; }
  /// Capabilities negotiated: commands go out immediately.
  bool ready() const { return ready_; }
  /// Lines that were not a JSON object (or were over the line cap).
  size_t garbage_lines() const { return garbage_lines_; }
  /// Asynchronous events received, oldest first (the last 64).
  const std::vector<nlohmann::json>& events() const { return events_; }
  /// Replies ({"return": ...} or {"error": ...}) received, oldest first (the last 64).
  const std::vector<nlohmann::json>& replies() const { return replies_; }
  /// The "reason" of the last SHUTDOWN event ("guest-shutdown", ...), or "".
  const std::string& shutdown_reason() const { return shutdown_reason_; }
  /// Closes the connection.
  void close();

 private:
  void handle_line(std::string_view line);
  void send_raw(std::string line);
  bool flush();

  static constexpr size_t kMaxLine = 1 << 20;
  int fd_ = -1;
  bool greeted_ = false;
  bool ready_ = false;
  bool discarding_ = false;  ///< skipping the rest of an over-long line
  std::string in_;
  std::string out_;
  std::vector<std::string> pending_;  ///< commands waiting for ready_
  std::vector<nlohmann::json> events_;
  std::vector<nlohmann::json> replies_;
  std::string shutdown_reason_;
  size_t garbage_lines_ = 0;
  unsigned next_id_ = 1;
};

}  // namespace ktstr
