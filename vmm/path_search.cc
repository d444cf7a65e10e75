#include "vmm/path_search.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace ktstr {

std::filesystem::path find_on_path(std::string_view name, const char* path_env, PathMatch match) {
  std::string_view rest = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const size_t colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    std::filesystem::path candidate =
        std::filesystem::path(dir.empty() ? "." : std::string(dir)) / std::string(name);
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) &&
        (match == PathMatch::kRegularFile || ::access(candidate.c_str(), X_OK) == 0))
      return candidate;
    if (colon == std::string_view::npos) return {};
    rest.remove_prefix(colon + 1);
  }
}

std::filesystem::path find_on_path(std::string_view name, PathMatch match) {
  return find_on_path(name, std::getenv("PATH"), match);
}

}  // namespace ktstr
