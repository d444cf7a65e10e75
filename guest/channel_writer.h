// The guest end of the agent channel: finds the virtio-serial port named
// "ktstr.0" (else falls back to the second serial port, /dev/ttyS1) and writes
// frames to it. Thread-safe: the scenario engine may log from several threads.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace ktstr {

/// Name of the virtio-serial port the host creates for the agent.
inline constexpr const char* kAgentPortName = "ktstr.0";

/// The /dev path of the virtio port called `name`, found through
/// `sysfs`/class/virtio-ports/*/name (e.g. "vport1p1" -> `dev`/vport1p1), or ""
/// when no port has that name.
std::string find_virtio_port(const std::filesystem::path& sysfs, const std::filesystem::path& dev,
                             const std::string& name);

/// An open channel to the host; owns its file descriptor.
class ChannelWriter {
 public:
  ChannelWriter() = default;
  ~ChannelWriter();
  ChannelWriter(const ChannelWriter&) = delete;
  ChannelWriter& operator=(const ChannelWriter&) = delete;

  /// Opens the guest channel under `root` ("/" in the guest): the virtio port
  /// (waiting up to `wait_ms` for its name to appear if a virtio-serial device
  /// is bound), else ttyS1 in raw mode.
  /// Returns "" on success, else why nothing could be opened.
  std::string open_guest(const std::filesystem::path& root, int wait_ms = 2000);
  /// Opens (creates, truncates) a plain file or FIFO as the channel, for host-side tests.
  std::string open_path(const std::filesystem::path& path);

  /// Encodes `payload` as one frame and writes all of it. False on failure
  /// (the first error is kept in last_error()).
  bool send(const nlohmann::json& payload);
  /// Waits until written bytes have left the guest (tcdrain/fsync where they apply).
  void flush();

  bool is_open() const { return fd_ >= 0; }
  /// Human-readable description, e.g. "virtio-serial /dev/vport1p1".
  const std::string& description() const { return description_; }
  /// The first write error, "" if none.
  const std::string& last_error() const { return last_error_; }

 private:
  bool write_all(const std::string& bytes);

  int fd_ = -1;
  bool is_tty_ = false;
  std::string description_;
  std::string last_error_;
  std::mutex mu_;
};

}  // namespace ktstr
