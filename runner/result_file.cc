#include "runner/result_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace ktstr {

std::string write_json_file(const std::filesystem::path& path, const nlohmann::json& value) {
  // error_handler_t::replace: the last line of defence; guest text is already
  // valid UTF-8 when it gets here (guest/protocol/valid_utf8.h).
  const std::string text =
      value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(getpid());
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (out) out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (out) out.flush();
    if (!out) {
      const int err = errno;
      std::filesystem::remove(tmp, ec);
      return "write " + path.string() + ": " + (err ? std::strerror(err) : "write failed");
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return "write " + path.string() + ": rename: " + ec.message();
  }
  return "";
}

}  // namespace ktstr
