// The progress sampler: a thread of the scenario process that reads every
// worker's live iteration counter on a fixed cadence (100 ms by default) into
// a ProgressSeries. Later plots and temporal assertions read the series.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "guest/protocol/worker_report.h"
#include "guest/worker_probe.h"

namespace ktstr {

/// The sampling cadence when nothing else is said (docs/telemetry.md).
inline constexpr std::chrono::milliseconds kSampleInterval{100};

/// Halves `s` in place: every other point is dropped (the first is kept) and
/// interval_ns doubles. Used when the series reaches kMaxSeriesPoints.
void decimate(ProgressSeries& s);

/// Samples registered workers until stopped.
class ProgressSampler {
 public:
  /// Times are relative to `scenario_start_ns` (CLOCK_MONOTONIC).
  explicit ProgressSampler(std::uint64_t scenario_start_ns,
                           std::chrono::nanoseconds interval = kSampleInterval);
  ~ProgressSampler();  ///< stops the thread
  ProgressSampler(const ProgressSampler&) = delete;
  ProgressSampler& operator=(const ProgressSampler&) = delete;

  /// Adds a column ("cgroup/index") for a worker that just started; starts
  /// the thread on the first call. The slot stays readable while held.
  void add(std::string column, std::shared_ptr<const WorkerSlot> slot);
  /// Takes one sample now (the thread calls it; tests too). Nothing is taken
  /// while no registered worker is alive.
  void sample();
  /// Stops the thread (idempotent).
  void stop();
  /// The series so far; rows are padded to one value per column
  /// (UINT64_MAX where the worker did not exist).
  ProgressSeries series() const;

 private:
  void run();

  std::uint64_t start_ns_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
  std::vector<std::shared_ptr<const WorkerSlot>> slots_;
  ProgressSeries series_;
};

}  // namespace ktstr
