// Channel writer. The virtio port's name reaches the guest through the
// virtio-console control queue, possibly after /init started, so open_guest()
// polls for it briefly when a virtio-serial device is present. Writes to a virtio port may be
// partial and block while the host end is not connected; write_all() loops over partial writes,
// EINTR and EAGAIN (poll) so every frame goes out whole and in order.
#include "guest/channel_writer.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>

#include "guest/protocol/frame.h"

namespace ktstr {

namespace fs = std::filesystem;

std::string find_virtio_port(const fs::path& sysfs, const fs::path& dev, const std::string& name) {
  std::error_code ec;
  for (fs::directory_iterator it(sysfs / "class" / "virtio-ports", ec), end; !ec && it != end;
       it.increment(ec)) {
    std::ifstream in(it->path() / "name");
    std::string port_name;
    if (in && std::getline(in, port_name) && port_name == name) {
      return (dev / it->path().filename()).string();
    }
  }
  return "";
}

ChannelWriter::~ChannelWriter() {
  if (fd_ >= 0) close(fd_);
}

namespace {

/// True when a virtio-serial device is bound to the virtio_console driver, so
/// its ports may still be announced. Without one there is nothing to wait for.
bool virtio_console_bound(const fs::path& sysfs) {
  std::error_code ec;
  for (fs::directory_iterator it(sysfs / "bus" / "virtio" / "drivers" / "virtio_console", ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind("virtio", 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::string ChannelWriter::open_guest(const fs::path& root, int wait_ms) {
  if (!virtio_console_bound(root / "sys")) wait_ms = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  std::string port;
  for (;;) {
    port = find_virtio_port(root / "sys", root / "dev", kAgentPortName);
    if (!port.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::string virtio_error;
  if (!port.empty()) {
    fd_ = ::open(port.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd_ >= 0) {
      description_ = "virtio-serial " + port;
      return "";
    }
    virtio_error = "open " + port + ": " + std::strerror(errno) + "; ";
  } else {
    virtio_error = std::string("no virtio port named ") + kAgentPortName + "; ";
  }
  const std::string tty = (root / "dev" / "ttyS1").string();
  fd_ = ::open(tty.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd_ < 0) return virtio_error + "open " + tty + ": " + std::strerror(errno);
  termios tio{};
  if (tcgetattr(fd_, &tio) == 0) {
    // Raw mode: no newline translation or echo may alter frame bytes.
    cfmakeraw(&tio);
    tcsetattr(fd_, TCSANOW, &tio);
    is_tty_ = true;
  }
  description_ = "serial " + tty + " (" + virtio_error.substr(0, virtio_error.size() - 2) + ")";
  return "";
}

std::string ChannelWriter::open_path(const fs::path& path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd_ < 0) return "open " + path.string() + ": " + std::strerror(errno);
  description_ = "file " + path.string();
  return "";
}

bool ChannelWriter::write_all(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      pollfd p{fd_, POLLOUT, 0};
      poll(&p, 1, 100);
    } else {
      if (last_error_.empty()) {
        last_error_ = std::string("write ") + description_ + ": " +
                      (n == 0 ? "wrote nothing" : std::strerror(errno));
      }
      return false;
    }
  }
  return true;
}

bool ChannelWriter::send(const nlohmann::json& payload) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return false;
  return write_all(encode_frame(payload));
}

void ChannelWriter::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) return;
  // Errors are expected and harmless here: fsync on a virtio port, tcdrain on a file.
  if (is_tty_) {
    tcdrain(fd_);
  } else {
    fsync(fd_);
  }
}

}  // namespace ktstr
