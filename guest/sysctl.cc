#include "guest/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace ktstr {

std::string sysctl_path(const std::filesystem::path& proc, const std::string& key) {
  if (key.empty()) return "";
  std::string rel;
  size_t start = 0;
  for (;;) {
    size_t dot = key.find('.', start);
    std::string part =
        key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool plain = !part.empty();
    for (char c : part) {
      plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
    }
    if (!plain) return "";
    rel += (rel.empty() ? "" : "/") + part;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return (proc / "sys" / rel).string();
}

std::vector<std::string> apply_sysctls(const std::filesystem::path& proc,
                                       const std::map<std::string, std::string>& sysctls) {
  std::vector<std::string> errors;
  for (const auto& [key, value] : sysctls) {
    std::string path = sysctl_path(proc, key);
    const std::string what = "sysctl " + key + " = '" + value + "'";
    if (path.empty()) {
      errors.push_back("sysctl '" + key + "': not a dotted sysctl name (letters, digits, _ and -)");
      continue;
    }
    // No O_CREAT: a sysctl that does not exist is an error, not a new file.
    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      errors.push_back(what + ": open " + path + ": " + std::strerror(err) +
                       (err == ENOENT ? " (this kernel has no such sysctl)" : ""));
      continue;
    }
    ssize_t n = ::write(fd, value.data(), value.size());
    int err = errno;
    // The kernel checks some values only when the file is closed.
    if (::close(fd) != 0 && n >= 0) {
      n = -1;
      err = errno;
    }
    if (n != static_cast<ssize_t>(value.size())) {
      errors.push_back(what + ": write " + path + ": " +
                       (n < 0 ? std::strerror(err) : "short write") +
                       (n < 0 && err == EINVAL ? " (the kernel rejected the value)" : ""));
    }
  }
  return errors;
}

}  // namespace ktstr
