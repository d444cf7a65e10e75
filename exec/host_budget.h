// The host's share of a run: how many CPUs this process may use and how much
// memory the VMs may take together. The runner turns these into
// ExecutorOptions::budget_cpus and budget_memory_mib (docs/parallel.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ktstr {

/// The CPUs this process may run on (its sched_getaffinity mask), or
/// std::thread::hardware_concurrency() when the mask cannot be read; >= 1.
int host_cpus();

/// What /proc/meminfo says, in KiB; a field it lacks (or garbles) is nullopt.
struct MemInfo {
  std::optional<std::int64_t> total_kib;      ///< MemTotal
  std::optional<std::int64_t> available_kib;  ///< MemAvailable (Linux >= 3.14)
  std::optional<std::int64_t> free_kib;       ///< MemFree
  std::optional<std::int64_t> cached_kib;     ///< Cached
};

/// Parses the text of /proc/meminfo ("MemAvailable:   23691264 kB" lines).
/// Pure; never throws: lines that are not "Key: NUMBER [kB]" are ignored, a
/// value that is negative or would overflow leaves its field unset.
MemInfo parse_meminfo(std::string_view text);

/// Memory kept back for the host and the runner itself: the larger of 1 GiB
/// and 10 % of what is available.
constexpr std::int64_t kMemoryReserveMib = 1024;
/// The smallest memory budget returned, so one small VM always fits.
constexpr std::int64_t kMinMemoryBudgetMib = 512;

/// The VMs' memory budget given `available_mib` of available memory:
/// available - max(1 GiB, available / 10), at least 512 MiB. Pure.
std::int64_t memory_budget_mib(std::int64_t available_mib);

/// memory_budget_mib() of the host now: MemAvailable from /proc/meminfo, or
/// MemFree + Cached on kernels without it, or the free pages libc reports
/// when /proc/meminfo cannot be read.
std::int64_t host_memory_budget_mib();

}  // namespace ktstr
