// QMP speaks one JSON object per line ("\r\n"-terminated). QEMU first sends a
// greeting {"QMP": {...}}; the client must answer with qmp_capabilities before
// any other command is accepted, so commands issued earlier are queued and go
// out when the capabilities reply arrives. Replies carry our "id"; events
// carry "event". Anything else is counted as garbage and ignored.
#include "vmm/qmp_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace ktstr {
namespace {

constexpr size_t kMaxKept = 64;

void keep_bounded(std::vector<nlohmann::json>& list, nlohmann::json value) {
  if (list.size() >= kMaxKept) list.erase(list.begin());
  list.push_back(std::move(value));
}

int poll_ms(QmpClient::Clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - QmpClient::Clock::now());
  return static_cast<int>(std::clamp<long>(left.count(), 0, 1000));
}

}  // namespace

QmpClient::~QmpClient() { close(); }

QmpClient::QmpClient(QmpClient&& other) noexcept { *this = std::move(other); }

QmpClient& QmpClient::operator=(QmpClient&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
    greeted_ = other.greeted_;
    ready_ = other.ready_;
    discarding_ = other.discarding_;
    in_ = std::move(other.in_);
    out_ = std::move(other.out_);
    pending_ = std::move(other.pending_);
    events_ = std::move(other.events_);
    replies_ = std::move(other.replies_);
    shutdown_reason_ = std::move(other.shutdown_reason_);
    garbage_lines_ = other.garbage_lines_;
    next_id_ = other.next_id_;
  }
  return *this;
}

void QmpClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ready_ = false;
}

QmpClient::Connect QmpClient::try_connect(const std::filesystem::path& socket, std::string* error) {
  close();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string& path = socket.native();
  if (path.size() >= sizeof addr.sun_path) {
    if (error) *error = "qmp: socket path too long: " + path;
    return Connect::kFailed;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    if (error) *error = std::string("qmp: socket: ") + strerror(errno);
    return Connect::kFailed;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    // Not there yet, or bound but not listening yet, or the backlog is full.
    if (e == ENOENT || e == ECONNREFUSED || e == EAGAIN || e == EINTR) return Connect::kNotYet;
    if (error) *error = "qmp: connect " + path + ": " + strerror(e);
    return Connect::kFailed;
  }
  fd_ = fd;
  greeted_ = ready_ = discarding_ = false;
  in_.clear();
  out_.clear();
  return Connect::kConnected;
}

bool QmpClient::connect(const std::filesystem::path& socket, Clock::time_point deadline,
                        std::string* error) {
  while (true) {
    Connect state = try_connect(socket, error);
    if (state == Connect::kConnected) return true;
    if (state == Connect::kFailed) return false;
    if (Clock::now() >= deadline) {
      if (error) *error = "qmp: no QMP server on " + socket.string() + " before the deadline";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool QmpClient::handshake(Clock::time_point deadline, std::string* error) {
  while (!ready_) {
    if (fd_ < 0) {
      if (error) *error = "qmp: connection closed during the handshake";
      return false;
    }
    if (Clock::now() >= deadline) {
      if (error) *error = "qmp: no capabilities reply before the deadline";
      return false;
    }
    pollfd p{fd_, static_cast<short>(POLLIN | (wants_write() ? POLLOUT : 0)), 0};
    if (poll(&p, 1, poll_ms(deadline)) <= 0) continue;
    if ((p.revents & POLLOUT) && !on_writable()) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) on_readable();
  }
  return true;
}

bool QmpClient::on_readable() {
  if (fd_ < 0) return false;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
      close();
      return false;
    }
    std::string_view data(buf, static_cast<size_t>(n));
    while (!data.empty()) {
      size_t nl = data.find('\n');
      std::string_view piece = data.substr(0, nl);
      if (!discarding_) {
        if (in_.size() + piece.size() > kMaxLine) {
          discarding_ = true;
          ++garbage_lines_;
          in_.clear();
        } else {
          in_.append(piece);
        }
      }
      if (nl == std::string_view::npos) break;
      if (!discarding_) handle_line(in_);
      in_.clear();
      discarding_ = false;
      data.remove_prefix(nl + 1);
    }
  }
}

void QmpClient::handle_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return;
  nlohmann::json msg = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!msg.is_object()) {
    ++garbage_lines_;
    return;
  }
  if (msg.contains("QMP")) {
    if (!greeted_) {
      greeted_ = true;
      send_raw(R"({"execute":"qmp_capabilities","id":"ktstr-cap"})");
    }
    return;
  }
  if (msg.contains("event")) {
    if (msg["event"] == "SHUTDOWN" && msg.contains("data") && msg["data"].is_object()) {
      auto reason = msg["data"].find("reason");
      if (reason != msg["data"].end() && reason->is_string()) shutdown_reason_ = *reason;
    }
    keep_bounded(events_, std::move(msg));
    return;
  }
  if (msg.contains("return") || msg.contains("error")) {
    auto id = msg.find("id");
    bool capabilities = id != msg.end() && id->is_string() && *id == "ktstr-cap";
    keep_bounded(replies_, msg);
    if (capabilities && msg.contains("return") && !ready_) {
      ready_ = true;
      for (std::string& command : pending_) send_raw(std::move(command));
      pending_.clear();
    }
    return;
  }
  ++garbage_lines_;
}

bool QmpClient::execute(std::string_view command) {
  if (fd_ < 0) return false;
  nlohmann::json msg = {{"execute", command}, {"id", "ktstr-" + std::to_string(next_id_++)}};
  if (ready_) {
    send_raw(msg.dump());
  } else {
    pending_.push_back(msg.dump());
  }
  return fd_ >= 0;
}

void QmpClient::send_raw(std::string line) {
  out_ += line;
  out_ += "\r\n";
  flush();
}

bool QmpClient::flush() {
  while (!out_.empty() && fd_ >= 0) {
    ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0) {
      close();
      return false;
    }
    out_.erase(0, static_cast<size_t>(n));
  }
  return fd_ >= 0;
}

bool QmpClient::on_writable() { return flush(); }

}  // namespace ktstr
