#include "store/run_store.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>

namespace ktstr {

namespace fs = std::filesystem;

std::optional<fs::path> create_run_dir(const fs::path& parent, std::string* error) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) {
    *error = fmt::format("cannot create {}: {}", parent.string(), ec.message());
    return std::nullopt;
  }
  const std::time_t tt = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&tt, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::random_device rd;
  for (int tries = 0; tries < 16; ++tries) {
    const fs::path dir = parent / fmt::format("{}-{}-{:04x}", stamp, getpid(), rd() & 0xffff);
    if (::mkdir(dir.c_str(), 0755) == 0) return fs::absolute(dir);
    if (errno != EEXIST) {
      *error = fmt::format("cannot create {}: {}", dir.string(), std::strerror(errno));
      return std::nullopt;
    }
  }
  *error = fmt::format("cannot create a new run directory in {}: every name tried exists",
                       parent.string());
  return std::nullopt;
}

}  // namespace ktstr
