// QmpClient against an in-process fake QMP server on a unix socket.
#include "vmm/qmp_client.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

/// Listens on a socket path, accepts one client, and runs a script against it.
class FakeQmpServer {
 public:
  explicit FakeQmpServer(fs::path path) : path_(std::move(path)) {}
  ~FakeQmpServer() {
    join();
    if (listener_ >= 0) close(listener_);
    fs::remove(path_);
  }

  void listen() {
    listener_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    ASSERT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener_, 1), 0);
  }

  /// Serves: greeting (with garbage around it), replies to each command, and
  /// records the command names; closes after "quit".
  void serve() {
    thread_ = std::thread([this] {
      int c = accept(listener_, nullptr, nullptr);
      if (c < 0) return;
      send_all(c, "\x01garbage{{{\r\n");
      send_all(c, R"({"QMP": {"version": {}, "capabilities": []}})"
                  "\r\n");
      std::string buf;
      char tmp[4096];
      while (true) {
        ssize_t n = read(c, tmp, sizeof tmp);
        if (n <= 0) break;
        buf.append(tmp, static_cast<size_t>(n));
        size_t nl;
        while ((nl = buf.find('\n')) != std::string::npos) {
          auto msg = nlohmann::json::parse(buf.substr(0, nl), nullptr, false);
          buf.erase(0, nl + 1);
          std::string cmd = msg.value("execute", "");
          commands.push_back(cmd);
          nlohmann::json reply = {{"return", nlohmann::json::object()}};
          if (msg.contains("id")) reply["id"] = msg["id"];
          // A reply split across writes, plus an event.
          std::string text = reply.dump() + "\r\n";
          send_all(c, text.substr(0, 3));
          send_all(c, text.substr(3));
          if (cmd == "quit") {
            send_all(c,
                     R"({"event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}})"
                     "\r\n");
            close(c);
            return;
          }
        }
      }
      close(c);
    });
  }

  /// Waits for the serving thread (after which `commands` is stable).
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  std::vector<std::string> commands;

 private:
  static void send_all(int fd, const std::string& s) {
    ssize_t n = write(fd, s.data(), s.size());
    (void)n;
  }
  fs::path path_;
  int listener_ = -1;
  std::thread thread_;
};

fs::path socket_path(const char* name) {
  return fs::path("/tmp") / (std::string("ktstr-qmp-") + std::to_string(getpid()) + "-" + name);
}

TEST(QmpClient, NotYetWhileTheSocketIsMissingThenTimesOut) {
  QmpClient qmp;
  std::string error;
  EXPECT_EQ(qmp.try_connect(socket_path("missing"), &error), QmpClient::Connect::kNotYet);
  auto deadline = QmpClient::Clock::now() + milliseconds(50);
  EXPECT_FALSE(qmp.connect(socket_path("missing"), deadline, &error));
  EXPECT_NE(error.find("before the deadline"), std::string::npos) << error;
  EXPECT_FALSE(qmp.connected());
}

TEST(QmpClient, ConnectsWhenTheServerAppearsLaterAndQuits) {
  fs::path path = socket_path("late");
  FakeQmpServer server(path);
  std::thread starter([&] {
    std::this_thread::sleep_for(milliseconds(100));
    server.listen();
    server.serve();
  });
  QmpClient qmp;
  std::string error;
  ASSERT_TRUE(qmp.connect(path, QmpClient::Clock::now() + milliseconds(5000), &error)) << error;
  starter.join();
  // Commands issued before negotiation are held until capabilities are accepted.
  EXPECT_TRUE(qmp.system_powerdown());
  ASSERT_TRUE(qmp.handshake(QmpClient::Clock::now() + milliseconds(5000), &error)) << error;
  EXPECT_TRUE(qmp.greeted());
  EXPECT_TRUE(qmp.quit());
  auto deadline = QmpClient::Clock::now() + milliseconds(5000);
  while (qmp.connected() && QmpClient::Clock::now() < deadline) {
    pollfd p{qmp.fd(), POLLIN, 0};
    poll(&p, 1, 100);
    qmp.on_readable();
  }
  EXPECT_FALSE(qmp.connected());
  EXPECT_EQ(qmp.garbage_lines(), 1u);
  EXPECT_EQ(qmp.shutdown_reason(), "host-qmp-quit");
  EXPECT_EQ(qmp.replies().size(), 3u);
}

TEST(QmpClient, CommandOrderIsCapabilitiesThenQueuedCommands) {
  fs::path path = socket_path("order");
  auto server = std::make_unique<FakeQmpServer>(path);
  server->listen();
  server->serve();
  QmpClient qmp;
  std::string error;
  ASSERT_TRUE(qmp.connect(path, QmpClient::Clock::now() + milliseconds(2000), &error)) << error;
  qmp.system_powerdown();
  qmp.quit();
  auto deadline = QmpClient::Clock::now() + milliseconds(5000);
  while (qmp.connected() && QmpClient::Clock::now() < deadline) {
    pollfd p{qmp.fd(), POLLIN, 0};
    poll(&p, 1, 100);
    qmp.on_readable();
  }
  server->join();
  EXPECT_EQ(server->commands,
            (std::vector<std::string>{"qmp_capabilities", "system_powerdown", "quit"}));
}

TEST(QmpClient, ExecuteWithoutConnectionFails) {
  QmpClient qmp;
  EXPECT_FALSE(qmp.quit());
  EXPECT_FALSE(qmp.on_readable());
}

}  // namespace
}  // namespace ktstr
