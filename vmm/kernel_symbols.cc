#include "vmm/kernel_symbols.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace ktstr {

const std::set<std::string>& agent_kernel_symbols() {
  static const std::set<std::string> names = {"_text", "linux_banner", "scx_watchdog_timeout",
                                              "scx_watchdog_timestamp"};
  return names;
}

std::map<std::string, std::uint64_t> parse_system_map(std::string_view text,
                                                      const std::set<std::string>& names) {
  std::map<std::string, std::uint64_t> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    // ADDRESS TYPE NAME
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0 || sp1 > 16) continue;
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 != sp1 + 2) continue;
    std::string name(line.substr(sp2 + 1));
    while (!name.empty() && (name.back() == '\r' || name.back() == ' ')) name.pop_back();
    if (!names.count(name) || out.count(name)) continue;
    std::uint64_t addr = 0;
    const auto r = std::from_chars(line.data(), line.data() + sp1, addr, 16);
    if (r.ec != std::errc{} || r.ptr != line.data() + sp1) continue;
    out[name] = addr;
  }
  return out;
}

std::map<std::string, std::uint64_t> read_system_map(const std::filesystem::path& path,
                                                     const std::set<std::string>& names) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return parse_system_map(s.str(), names);
}

}  // namespace ktstr
