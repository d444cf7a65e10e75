#include "guest/watchdog_override.h"

#include <cmath>

namespace ktstr {

nlohmann::json WatchdogOverride::to_json() const {
  nlohmann::json j = {{"applied", applied}, {"requested_s", requested_s}};
  if (!applied) {
    j["error"] = error;
    return j;
  }
  j["hz"] = hz;
  j["jiffies"] = jiffies;
  j["scheduler_jiffies"] = scheduler_jiffies;
  j["scheduler_s"] = hz ? double(scheduler_jiffies) / hz : 0.0;
  // The kernel's first stall check after the attach (queued with the old value).
  j["first_check_s"] = hz ? double(scheduler_jiffies / 2) / hz : 0.0;
  j["moved_check_in"] = moved_check_in;
  return j;
}

std::uint64_t watchdog_jiffies(double timeout_s, unsigned hz) {
  if (!(timeout_s > 0) || hz == 0) return 1;
  const double ms = std::ceil(timeout_s * 1000.0);
  const double j = std::ceil(ms * hz / 1000.0);
  return j < 1 ? 1 : static_cast<std::uint64_t>(j);
}

WatchdogOverride apply_watchdog_override(const KernelMemory& mem, const KernelSymbols& symbols,
                                         double timeout_s, unsigned hz) {
  WatchdogOverride r;
  r.requested_s = timeout_s;
  r.hz = hz;
  if (hz == 0) {
    r.error = "the kernel's CONFIG_HZ is unknown (no config in its cache entry)";
    return r;
  }
  if (!(timeout_s > 0)) {
    r.error = "watchdog_timeout_s must be > 0";
    return r;
  }
  auto timeout = symbols.find("scx_watchdog_timeout");
  auto stamp = symbols.find("scx_watchdog_timestamp");
  if (timeout == symbols.end() || stamp == symbols.end()) {
    r.error = std::string("the kernel's System.map has no ") +
              (timeout == symbols.end() ? "scx_watchdog_timeout" : "scx_watchdog_timestamp") +
              " (not a 6.12-style sched_ext kernel?)";
    return r;
  }
  std::string err;
  if (!mem.read_u64(timeout->second, r.scheduler_jiffies, err)) {
    r.error = err;
    return r;
  }
  if (r.scheduler_jiffies == 0) {
    r.error = "scx_watchdog_timeout reads 0: is a sched_ext scheduler attached?";
    return r;
  }
  const std::uint64_t want = watchdog_jiffies(timeout_s, hz);
  if (want < r.scheduler_jiffies) {
    // The queued check is due at last check-in + old/2; the tick would fire at
    // last check-in + new. Pretend the check-in happens when the check is due.
    std::uint64_t ts = 0;
    if (!mem.read_u64(stamp->second, ts, err) ||
        !mem.write_u64(stamp->second, ts + r.scheduler_jiffies / 2, err)) {
      r.error = err;
      return r;
    }
    r.moved_check_in = true;
  }
  if (!mem.write_u64(timeout->second, want, err) ||
      !mem.read_u64(timeout->second, r.jiffies, err)) {
    r.error = err;
    return r;
  }
  if (r.jiffies != want) {
    r.error = "scx_watchdog_timeout reads " + std::to_string(r.jiffies) + " after writing " +
              std::to_string(want);
    return r;
  }
  r.applied = true;
  return r;
}

}  // namespace ktstr
