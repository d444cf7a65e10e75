// The telemetry of one worker (docs/telemetry.md): a WorkerSlot in MAP_SHARED
// memory that the worker writes and the agent reads, and the SlotProbe a work
// loop reports through. Live counters are atomics (the sampler reads them
// while the worker runs); everything else is written by the worker alone and
// read by the agent only after the worker has exited.
#pragma once

#include <atomic>
#include <cstdint>

#include "guest/protocol/worker_report.h"
#include "guest/work_types.h"

namespace ktstr {

/// Work units between two checkpoints.
inline constexpr std::uint64_t kCheckpointUnits = 1024;

/// /proc/.../schedstat: time on a CPU, run delay, timeslices.
struct SchedstatSample {
  bool valid = false;
  std::uint64_t cpu_ns = 0, run_delay_ns = 0, timeslices = 0;
};

/// Reads a schedstat file ("/proc/self/schedstat", "/proc/PID/schedstat").
/// Async-signal-safe enough for a forked child: no allocation.
SchedstatSample read_schedstat(const char* path);

/// The shared record of one worker.
struct WorkerSlot {
  // Live: written by the worker, read by the sampler at any time.
  std::atomic<std::uint64_t> work_units{0};
  std::atomic<std::uint64_t> iterations{0};
  // Control: written by the agent.
  std::atomic<int> stop{0};
  std::atomic<int> reaped{0};     ///< the worker is gone (the sampler stops reading it)
  std::uint64_t released_ns = 0;  ///< CLOCK_MONOTONIC when the agent released it
  // Final: written by the worker; valid once `done` is 1.
  std::atomic<int> done{0};
  std::uint64_t stopped_ns = 0;  ///< CLOCK_MONOTONIC when it handled the stop
  std::uint64_t cpu_ns = 0;      ///< CLOCK_THREAD_CPUTIME_ID at the stop
  SchedstatSample sched_start, sched_stop;
  char error[200] = {};  ///< set by the worker when its loop ended on its own
  // Report data: written by the worker (SlotProbe).
  std::uint64_t max_gap_ns = 0, max_gap_at_ns = 0;
  int max_gap_cpu = -1;
  std::uint64_t migrations = 0;
  std::uint32_t migration_log_n = 0;
  MigrationEvent migration_log[kMaxMigrationLog];
  std::uint64_t cpus_used[(kMaxCpuId + 64) / 64] = {};
  std::uint64_t epochs_seen[(kMaxCpusetEpochs + 64) / 64] = {};
  std::uint64_t epoch_cpus[kMaxCpusetEpochs + 1][(kMaxCpuId + 64) / 64] = {};
  std::uint32_t wake_n = 0;
  std::uint64_t wake_seen = 0;
  std::uint64_t wake[kMaxWakeSamples] = {};
};

/// Where a probe gets the time and its CPU (replaced in tests).
struct ProbeClock {
  std::uint64_t (*now_ns)() = &monotonic_ns;
  int (*cpu)() = nullptr;  ///< nullptr: sched_getcpu()
};

/// The WorkProbe of a worker process, writing into its slot.
class SlotProbe final : public WorkProbe {
 public:
  /// `epoch_seq`: the scenario's cpuset sequence (2 x epoch, odd while a
  /// cpuset write is in progress; see CpusetEpochs). `scenario_start_ns`:
  /// CLOCK_MONOTONIC at the scenario start (times are reported relative to
  /// it). The first gap runs from slot->released_ns.
  SlotProbe(WorkerSlot* slot, const std::atomic<std::uint64_t>* epoch_seq,
            std::uint64_t scenario_start_ns, std::uint64_t seed, ProbeClock clock = {});

  void units(std::uint64_t n) override {
    const std::uint64_t before = units_;
    units_ += n;
    slot_->work_units.store(units_, std::memory_order_relaxed);
    if ((units_ / kCheckpointUnits) != (before / kCheckpointUnits)) checkpoint();
  }
  void iteration() override { slot_->iterations.store(++iterations_, std::memory_order_relaxed); }
  void wait_begin() override {}
  void wait_end(std::uint64_t latency_ns) override;
  bool stopping() const override { return slot_->stop.load(std::memory_order_relaxed) != 0; }

  /// The last gap: from the last checkpoint to now (called at the stop).
  void close_gap();

 private:
  void checkpoint();
  void record_gap(std::uint64_t t, int cpu);

  WorkerSlot* slot_;
  const std::atomic<std::uint64_t>* epoch_seq_;
  std::uint64_t start_;
  std::uint64_t rng_;
  ProbeClock clock_;
  std::uint64_t units_ = 0, iterations_ = 0, last_ns_ = 0;
  int last_cpu_ = -1;
};

/// Copies what the slot holds into `r` (counters, gap, CPUs, epochs, wake
/// samples, and, when the worker finished, cpu_ns and the schedstat delta).
void fill_report(const WorkerSlot& slot, std::uint64_t scenario_start_ns, WorkerReport& r);

}  // namespace ktstr
