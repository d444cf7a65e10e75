// SlotProbe and the slot's report (see worker_probe.h).
//
// A checkpoint happens every time work_units crosses a multiple of 1024. It
// measures the gap since the previous one (a deliberate wait resets the
// checkpoint clock at its end, so waits are never gaps), reads the CPU for
// migrations and the CPUs used, and files that CPU under the cpuset epoch in
// force. The epoch is read before and after the CPU, seqlock style: the
// sequence is odd while the agent writes a cpuset and bumped past the write
// once it returned, so a CPU is only filed under an epoch when no cpuset write
// overlapped its reading. A worker seen in the middle of being moved is never
// reported as a violation of either cpuset.
//
// Wake latencies go into a reservoir (Algorithm R): the first kMaxWakeSamples
// are kept, then sample k replaces a random kept one with probability cap/k,
// so every sample is equally likely to be kept; the total seen is reported.
#include "guest/worker_probe.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace ktstr {

namespace {

void set_bit(std::uint64_t* bits, int i) { bits[i / 64] |= std::uint64_t{1} << (i % 64); }
bool has_bit(const std::uint64_t* bits, int i) { return (bits[i / 64] >> (i % 64)) & 1; }

std::vector<int> cpus_of(const std::uint64_t* bits) {
  std::vector<int> out;
  for (int c = 0; c <= kMaxCpuId; ++c)
    if (has_bit(bits, c)) out.push_back(c);
  return out;
}

}  // namespace

SchedstatSample read_schedstat(const char* path) {
  SchedstatSample s;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return s;
  char buf[128];
  const ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return s;
  buf[n] = '\0';
  unsigned long long a = 0, b = 0, c = 0;
  if (std::sscanf(buf, "%llu %llu %llu", &a, &b, &c) != 3) return s;
  s.valid = true;
  s.cpu_ns = a;
  s.run_delay_ns = b;
  s.timeslices = c;
  return s;
}

SlotProbe::SlotProbe(WorkerSlot* slot, const std::atomic<std::uint64_t>* epoch_seq,
                     std::uint64_t scenario_start_ns, std::uint64_t seed, ProbeClock clock)
    : slot_(slot),
      epoch_seq_(epoch_seq),
      start_(scenario_start_ns),
      rng_(seed | 1),
      clock_(clock),
      last_ns_(slot->released_ns ? slot->released_ns : clock.now_ns()) {}

void SlotProbe::record_gap(std::uint64_t t, int cpu) {
  const std::uint64_t gap = t > last_ns_ ? t - last_ns_ : 0;
  last_ns_ = t;
  if (gap > slot_->max_gap_ns) {
    slot_->max_gap_ns = gap;
    slot_->max_gap_at_ns = t > start_ ? t - start_ : 0;
    slot_->max_gap_cpu = cpu;
  }
}

void SlotProbe::checkpoint() {
  const std::uint64_t t = clock_.now_ns();
  const std::uint64_t seq_before = epoch_seq_ ? epoch_seq_->load(std::memory_order_acquire) : 0;
  const int cpu = clock_.cpu ? clock_.cpu() : sched_getcpu();
  const std::uint64_t seq_after = epoch_seq_ ? epoch_seq_->load(std::memory_order_acquire) : 0;
  const bool known = cpu >= 0 && cpu <= kMaxCpuId;
  record_gap(t, known ? cpu : -1);
  if (!known) return;
  set_bit(slot_->cpus_used, cpu);
  if (last_cpu_ >= 0 && cpu != last_cpu_) {
    if (slot_->migration_log_n < kMaxMigrationLog)
      slot_->migration_log[slot_->migration_log_n++] = {t > start_ ? t - start_ : 0, last_cpu_,
                                                        cpu};
    ++slot_->migrations;
  }
  last_cpu_ = cpu;
  if (seq_before != seq_after || (seq_before & 1)) return;  // a cpuset write overlapped
  const std::uint64_t epoch = seq_before / 2;
  if (epoch > kMaxCpusetEpochs) return;  // past the cap: not recorded (docs/telemetry.md)
  set_bit(slot_->epochs_seen, static_cast<int>(epoch));
  set_bit(slot_->epoch_cpus[epoch], cpu);
}

void SlotProbe::close_gap() { record_gap(clock_.now_ns(), last_cpu_); }

void SlotProbe::wait_end(std::uint64_t latency_ns) {
  last_ns_ = clock_.now_ns();
  if (latency_ns == kNoSample) return;
  const std::uint64_t seen = ++slot_->wake_seen;
  if (slot_->wake_n < kMaxWakeSamples) {
    slot_->wake[slot_->wake_n++] = latency_ns;
    return;
  }
  // xorshift64*: a per-worker stream, no shared state, no allocation.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  const std::uint64_t j = (rng_ * 2685821657736338717ull) % seen;
  if (j < kMaxWakeSamples) slot_->wake[j] = latency_ns;
}

void fill_report(const WorkerSlot& slot, std::uint64_t scenario_start_ns, WorkerReport& r) {
  r.work_units = slot.work_units.load(std::memory_order_relaxed);
  r.iterations = slot.iterations.load(std::memory_order_relaxed);
  r.max_gap = {slot.max_gap_ns, slot.max_gap_at_ns, slot.max_gap_cpu};
  r.migrations = slot.migrations;
  const std::uint32_t n = std::min<std::uint32_t>(slot.migration_log_n, kMaxMigrationLog);
  r.migration_log.assign(slot.migration_log, slot.migration_log + n);
  r.cpus_used = cpus_of(slot.cpus_used);
  r.epoch_cpus.clear();
  for (int e = 0; e <= static_cast<int>(kMaxCpusetEpochs); ++e)
    if (has_bit(slot.epochs_seen, e)) r.epoch_cpus.push_back({e, cpus_of(slot.epoch_cpus[e])});
  const std::uint32_t w = std::min<std::uint32_t>(slot.wake_n, kMaxWakeSamples);
  r.wake_latencies_ns.assign(slot.wake, slot.wake + w);
  r.wake_samples_seen = slot.wake_seen;
  if (slot.released_ns > scenario_start_ns) r.start_ns = slot.released_ns - scenario_start_ns;
  if (slot.done.load(std::memory_order_acquire)) {
    r.cpu_ns = slot.cpu_ns;
    if (slot.stopped_ns > slot.released_ns) r.wall_ns = slot.stopped_ns - slot.released_ns;
    if (slot.sched_start.valid && slot.sched_stop.valid) {
      r.schedstat.valid = true;
      r.schedstat.cpu_ns = slot.sched_stop.cpu_ns - slot.sched_start.cpu_ns;
      r.schedstat.run_delay_ns = slot.sched_stop.run_delay_ns - slot.sched_start.run_delay_ns;
      r.schedstat.timeslices = slot.sched_stop.timeslices - slot.sched_start.timeslices;
    }
  }
  r.off_cpu_ns = r.wall_ns > r.cpu_ns ? r.wall_ns - r.cpu_ns : 0;
}

}  // namespace ktstr
