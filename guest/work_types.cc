// A minimal implementation of guest/work_types.h (spin, yield, bursty) so the
// telemetry can be built and tested; the full set of work types replaces this
// file. Nothing but the header's declarations lives here.
#include "guest/work_types.h"

#include <sched.h>
#include <time.h>

#include <cerrno>
#include <nlohmann/json.hpp>

namespace ktstr {

namespace {

/// One work unit: one step of a 64-bit LCG the compiler cannot elide.
std::uint64_t spin_units(std::uint64_t n, std::uint64_t x) {
  for (std::uint64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    asm volatile("" : "+r"(x));
  }
  return x;
}

class NoShared : public WorkShared {};

}  // namespace

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

double WorkParams::arg(const std::string& key) const {
  for (const auto& [k, v] : args)
    if (k == key) return v;
  return 0;
}

Status parse_work(const WorkType& work, WorkParams& params) {
  nlohmann::json args =
      nlohmann::json::parse(work.args_json.empty() ? "{}" : work.args_json, nullptr, false);
  if (args.is_discarded() || !args.is_object())
    return Status::failure("work '" + work.name +
                           "': work_args is not a JSON object: " + work.args_json);
  params = WorkParams{};
  params.name = work.name;
  if (work.name == "spin" || work.name == "yield") {
    if (!args.empty())
      return Status::failure("work '" + work.name + "' takes no work_args (got " + args.dump() +
                             ")");
    return {};
  }
  if (work.name == "bursty") {
    for (auto it = args.begin(); it != args.end(); ++it)
      if (it.key() != "burst_ms" && it.key() != "sleep_ms")
        return Status::failure("work 'bursty': unknown work_args key '" + it.key() +
                               "' (accepted: burst_ms, sleep_ms)");
    for (const char* key : {"burst_ms", "sleep_ms"}) {
      double v = 10;
      if (args.contains(key)) {
        if (!args[key].is_number_integer() || args[key].get<long long>() < 0 ||
            args[key].get<long long>() > 3600000)
          return Status::failure(std::string("work 'bursty': ") + key +
                                 " must be a whole number of milliseconds (0-3600000)");
        v = args[key].get<double>();
      }
      params.args.emplace_back(key, v);
    }
    return {};
  }
  return Status::failure("work type '" + work.name +
                         "' is not supported yet by this agent (supported: spin, yield, bursty)");
}

Status make_work_shared(const WorkParams&, int, std::unique_ptr<WorkShared>& out) {
  out = std::make_unique<NoShared>();
  return {};
}

void run_work(const WorkParams& params, WorkShared*, int index, WorkProbe& probe) {
  std::uint64_t x = 0x9e3779b97f4a7c15ull ^ static_cast<std::uint64_t>(index);
  if (params.name == "bursty") {
    const std::uint64_t burst_ns = static_cast<std::uint64_t>(params.arg("burst_ms") * 1e6);
    const std::uint64_t sleep_ns = static_cast<std::uint64_t>(params.arg("sleep_ms") * 1e6);
    while (!probe.stopping()) {
      const std::uint64_t begin = monotonic_ns();
      do {
        x = spin_units(1024, x);
        probe.units(1024);
      } while (monotonic_ns() - begin < burst_ns && !probe.stopping());
      probe.iteration();
      if (sleep_ns == 0 || probe.stopping()) continue;
      // The sleep is deliberate; how late the wake-up came is the sample.
      probe.wait_begin();
      const std::uint64_t asleep = monotonic_ns();
      timespec ts{static_cast<time_t>(sleep_ns / 1000000000ull),
                  static_cast<long>(sleep_ns % 1000000000ull)};
      const bool interrupted = nanosleep(&ts, nullptr) != 0 && errno == EINTR;
      const std::uint64_t slept = monotonic_ns() - asleep;
      probe.wait_end(interrupted ? WorkProbe::kNoSample
                                 : (slept > sleep_ns ? slept - sleep_ns : 0));
    }
    return;
  }
  const bool yield = params.name == "yield";
  while (!probe.stopping()) {
    x = spin_units(yield ? 256 : 1024, x);
    probe.units(yield ? 256 : 1024);
    probe.iteration();
    if (!yield) continue;
    // Giving the CPU away is deliberate: not a scheduling gap, not sampled.
    probe.wait_begin();
    sched_yield();
    probe.wait_end(WorkProbe::kNoSample);
  }
}

}  // namespace ktstr
