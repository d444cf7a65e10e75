// The work types a worker runs (docs/telemetry.md "Work types"): what one
// work unit and one iteration are for each, and which waits are deliberate.
// A work loop reports through a WorkProbe; the probe (guest/worker_group.cc)
// turns the calls into telemetry: work units, iterations, checkpoints (gaps,
// CPUs, migrations) and wake latencies.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ktstr/detail/assert_result.h>
#include <ktstr/detail/cgroup_def.h>

namespace ktstr {

/// The telemetry hooks a work loop calls. Cheap: called in tight loops.
class WorkProbe {
 public:
  virtual ~WorkProbe() = default;
  /// `n` work units done. Every time the total crosses a multiple of 1024 the
  /// probe takes a checkpoint: the gap since the last one, the current CPU.
  virtual void units(std::uint64_t n) = 0;
  /// One outer iteration of the loop done (published live for the sampler).
  virtual void iteration() = 0;
  /// A deliberate wait starts (sleep, futex/pipe wait, yield, waitpid): the
  /// time until wait_end() is not a scheduling gap.
  virtual void wait_begin() = 0;
  /// The wait ended. `latency_ns` is its wake/resume latency sample, or
  /// kNoSample when this wait is not sampled. Resets the gap checkpoint.
  virtual void wait_end(std::uint64_t latency_ns) = 0;
  /// True once the worker has been asked to stop; a loop checks it at least
  /// once per iteration and returns.
  virtual bool stopping() const = 0;
  static constexpr std::uint64_t kNoSample = ~std::uint64_t{0};
};

/// CLOCK_MONOTONIC in nanoseconds (the clock every latency uses).
std::uint64_t monotonic_ns();

/// A validated work type with its arguments (defaults applied).
struct WorkParams {
  std::string name = "spin";
  /// Numeric arguments by name (after defaults), e.g. {"burst_ms", 50}.
  std::vector<std::pair<std::string, double>> args;
  /// Workers of this type come in groups of `divisor` that work together
  /// (pipe_io and futex_ping_pong: 2; mutex_contention: contenders); 1 = alone.
  int divisor = 1;
  double arg(const std::string& key) const;
};

/// Checks a WorkType's name and work_args: unknown types and keys, wrong types
/// and ranges are refused with the accepted values in the message.
Status parse_work(const WorkType& work, WorkParams& params);

/// State shared by the workers of one spawn (pipes, futex words, a mutex
/// word), created before the fork in MAP_SHARED memory.
class WorkShared {
 public:
  virtual ~WorkShared() = default;
  /// Descriptors the workers use (pipe_io's pipes): a worker that closes what
  /// it inherited must keep these open.
  virtual std::vector<int> fds() const { return {}; }
};

/// Creates what `count` workers of `params` share, or an error (a paired type
/// with an odd count: "futex_ping_pong needs an even number of workers").
Status make_work_shared(const WorkParams& params, int count, std::unique_ptr<WorkShared>& out);

/// Runs worker `index` (0-based within its spawn) of `params` until
/// probe.stopping(). Runs in the forked child.
void run_work(const WorkParams& params, WorkShared* shared, int index, WorkProbe& probe);

}  // namespace ktstr
