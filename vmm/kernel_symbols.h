// Facts about a kernel that the guest agent cannot find out by itself, read on
// the host from the kernel's files: a few System.map addresses. (CONFIG_HZ
// comes with the other config features: KernelInfo::hz.)
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace ktstr {

/// The System.map symbols the agent uses: `_text` and `linux_banner` to find
/// and check the kernel image in physical memory, and the sched_ext
/// watchdog's `scx_watchdog_timeout` and `scx_watchdog_timestamp`.
const std::set<std::string>& agent_kernel_symbols();

/// Addresses of `names` in System.map text ("ffffffff81000000 T _text" lines).
/// Names that are absent, and malformed lines, are skipped.
std::map<std::string, std::uint64_t> parse_system_map(std::string_view text,
                                                      const std::set<std::string>& names);

/// The same from a file; empty when it cannot be read.
std::map<std::string, std::uint64_t> read_system_map(const std::filesystem::path& path,
                                                     const std::set<std::string>& names);

}  // namespace ktstr
