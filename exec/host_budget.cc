// host_cpus() counts the affinity mask rather than the online CPUs: under
// `taskset`, a cgroup cpuset or a CI runner's CPU limit the process may run
// on fewer CPUs than the machine has, and the budget must follow what it can
// use. The memory budget starts from MemAvailable (what the kernel says can
// be allocated without swapping, page cache included) and keeps a reserve
// back for the host, the runner and QEMU's own overhead per VM.
#include "exec/host_budget.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>

namespace ktstr {

int host_cpus() {
  // Start with the static mask (1024 CPUs) and grow for larger machines:
  // sched_getaffinity fails with EINVAL when the mask is too small.
  for (int ncpus = CPU_SETSIZE; ncpus <= (1 << 20); ncpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(ncpus);
    if (set == nullptr) break;
    const size_t size = CPU_ALLOC_SIZE(ncpus);
    CPU_ZERO_S(size, set);
    const int rc = sched_getaffinity(0, size, set);
    const int count = rc == 0 ? CPU_COUNT_S(size, set) : 0;
    const int err = errno;
    CPU_FREE(set);
    if (rc == 0 && count > 0) return count;
    if (rc != 0 && err != EINVAL) break;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// "  23691264 kB" -> 23691264; anything else (no number, a sign, trailing
// junk other than the kB unit, an overflow) -> nullopt.
std::optional<std::int64_t> parse_kib(std::string_view value) {
  value = trim(value);
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end == value.data() || n < 0) return std::nullopt;
  const std::string_view rest = trim(value.substr(static_cast<size_t>(end - value.data())));
  if (!rest.empty() && rest != "kB") return std::nullopt;
  return n;
}

}  // namespace

MemInfo parse_meminfo(std::string_view text) {
  MemInfo info;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, colon));
    std::optional<std::int64_t>* field = nullptr;
    if (key == "MemTotal") field = &info.total_kib;
    if (key == "MemAvailable") field = &info.available_kib;
    if (key == "MemFree") field = &info.free_kib;
    if (key == "Cached") field = &info.cached_kib;
    if (field != nullptr) *field = parse_kib(line.substr(colon + 1));
  }
  return info;
}

std::int64_t memory_budget_mib(std::int64_t available_mib) {
  const std::int64_t reserve = std::max(kMemoryReserveMib, available_mib / 10);
  return std::max(kMinMemoryBudgetMib, available_mib - reserve);
}

std::int64_t host_memory_budget_mib() {
  std::ifstream in("/proc/meminfo");
  std::ostringstream text;
  text << in.rdbuf();
  const MemInfo info = parse_meminfo(text.str());
  std::optional<std::int64_t> kib = info.available_kib;
  constexpr std::int64_t kHalf = std::numeric_limits<std::int64_t>::max() / 2;
  if (!kib && info.free_kib && info.cached_kib && *info.free_kib < kHalf &&
      *info.cached_kib < kHalf)
    kib = *info.free_kib + *info.cached_kib;
  if (!kib) {
    const long pages = sysconf(_SC_AVPHYS_PAGES);
    const long page_size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page_size > 0) kib = static_cast<std::int64_t>(pages) * (page_size / 1024);
  }
  return memory_budget_mib(kib ? *kib / 1024 : 0);
}

}  // namespace ktstr
