// bench/telemetry_overhead: how much the worker telemetry costs the `spin`
// work loop. Runs run_work("spin") on this host for a fixed time, alternately
// with the real SlotProbe (shared slot, cpuset epoch page, checkpoints) and
// with a probe that does nothing, pinned to one CPU, and prints the median
// throughput of each and their ratio. Goal: the probe costs under 2 %.
//
//   ktstr_telemetry_overhead [ROUND_MS=500] [ROUNDS=9]
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "guest/cpuset_epochs.h"
#include "guest/work_types.h"
#include "guest/worker_probe.h"

namespace {

using namespace ktstr;

/// Counts units and nothing else: the loop's own cost.
class NoopProbe final : public WorkProbe {
 public:
  explicit NoopProbe(const std::atomic<int>* stop) : stop_(stop) {}
  void units(std::uint64_t n) override { units_ += n; }
  void iteration() override {}
  void wait_begin() override {}
  void wait_end(std::uint64_t) override {}
  bool stopping() const override { return stop_->load(std::memory_order_relaxed) != 0; }
  std::uint64_t units_ = 0;

 private:
  const std::atomic<int>* stop_;
};

/// Runs `body` until a timer thread sets `stop` after `ms`; returns units/s.
template <typename Body>
double timed(std::atomic<int>& stop, int ms, Body body) {
  stop = 0;
  std::thread timer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    stop = 1;
  });
  const std::uint64_t t0 = monotonic_ns();
  const std::uint64_t units = body();
  const std::uint64_t t1 = monotonic_ns();
  timer.join();
  return static_cast<double>(units) / (static_cast<double>(t1 - t0) / 1e9);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int round_ms = argc > 1 ? std::atoi(argv[1]) : 500;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 9;
  // The work loop on one CPU; the timer thread runs elsewhere when it can.
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(sched_getcpu(), &set);
  sched_setaffinity(0, sizeof set, &set);

  WorkParams spin;
  if (Status s = parse_work(WorkType::spin(), spin); !s) {
    std::fprintf(stderr, "spin: %s\n", s.error.c_str());
    return 1;
  }
  CpusetEpochs epochs;
  std::vector<double> real, noop;
  for (int r = 0; r < rounds; ++r) {
    auto slot = std::make_unique<WorkerSlot>();
    slot->released_ns = monotonic_ns();
    real.push_back(timed(slot->stop, round_ms, [&] {
      SlotProbe probe(slot.get(), epochs.sequence(), slot->released_ns, 1);
      run_work(spin, nullptr, 0, probe);
      return slot->work_units.load();
    }));
    std::atomic<int> stop{0};
    noop.push_back(timed(stop, round_ms, [&] {
      NoopProbe probe(&stop);
      run_work(spin, nullptr, 0, probe);
      return probe.units_;
    }));
  }
  const double with = median(real), without = median(noop);
  std::printf("spin, %d rounds of %d ms, medians:\n", rounds, round_ms);
  std::printf("  no-op probe:     %.4g work units/s\n", without);
  std::printf("  telemetry probe: %.4g work units/s\n", with);
  std::printf("  ratio: %.4f (overhead %.2f %%; goal < 2 %%)\n", with / without,
              (1 - with / without) * 100);
  return 0;
}
