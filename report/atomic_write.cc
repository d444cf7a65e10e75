#include "report/atomic_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace ktstr {

namespace {

std::string failed(const std::filesystem::path& path, const char* step, int err) {
  return "write " + path.string() + ": " + (step[0] ? std::string(step) + ": " : "") +
         std::strerror(err);
}

}  // namespace

std::string write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  // PID plus a counter: two threads, or two runs sharing a directory, never
  // share a temporary.
  static std::atomic<unsigned> counter{0};
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return failed(path, "", errno);
  auto fail = [&](const char* step) {
    const int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return failed(path, step, err);
  };
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  // Durable before it is visible: a crash after the rename never leaves an
  // empty file under the final name.
  if (fsync(fd) != 0) return fail("fsync");
  if (close(fd) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    return failed(path, "close", err);
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    return failed(path, "rename", err);
  }
  return "";
}

}  // namespace ktstr
