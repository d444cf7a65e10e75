// ProgressSampler (see progress_sampler.h). The series is bounded: when it
// reaches kMaxSeriesPoints every other point is dropped and the interval
// doubles, so a long run keeps an evenly spaced, coarser series instead of
// losing its end.
#include "guest/progress_sampler.h"

#include <limits>

namespace ktstr {

namespace {
constexpr std::uint64_t kAbsent = std::numeric_limits<std::uint64_t>::max();
}  // namespace

void decimate(ProgressSeries& s) {
  size_t keep = 0;
  for (size_t i = 0; i < s.t_ns.size(); i += 2, ++keep) {
    if (keep == i) continue;  // no self-move: it would empty the row
    s.t_ns[keep] = s.t_ns[i];
    s.points[keep] = std::move(s.points[i]);
  }
  s.t_ns.resize(keep);
  s.points.resize(keep);
  s.interval_ns *= 2;
  s.decimated = true;
}

ProgressSampler::ProgressSampler(std::uint64_t scenario_start_ns, std::chrono::nanoseconds interval)
    : start_ns_(scenario_start_ns) {
  series_.interval_ns = static_cast<std::uint64_t>(interval.count());
}

ProgressSampler::~ProgressSampler() { stop(); }

void ProgressSampler::add(std::string column, std::shared_ptr<const WorkerSlot> slot) {
  std::lock_guard lock(mu_);
  if (series_.workers.size() >= kMaxReportedWorkers) return;
  series_.workers.push_back(std::move(column));
  slots_.push_back(std::move(slot));
  if (!thread_.joinable() && !stopping_) thread_ = std::thread([this] { run(); });
}

void ProgressSampler::sample() {
  std::lock_guard lock(mu_);
  std::vector<std::uint64_t> row(slots_.size(), kAbsent);
  bool any = false;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i]->reaped.load(std::memory_order_relaxed)) continue;
    row[i] = slots_[i]->iterations.load(std::memory_order_relaxed);
    any = true;
  }
  if (!any) return;
  if (series_.t_ns.size() >= kMaxSeriesPoints) decimate(series_);
  const std::uint64_t now = monotonic_ns();
  series_.t_ns.push_back(now > start_ns_ ? now - start_ns_ : 0);
  series_.points.push_back(std::move(row));
}

void ProgressSampler::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto wait = std::chrono::nanoseconds(series_.interval_ns);
    if (cv_.wait_for(lock, wait, [this] { return stopping_; })) break;
    lock.unlock();
    sample();
    lock.lock();
  }
}

void ProgressSampler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ProgressSeries ProgressSampler::series() const {
  std::lock_guard lock(mu_);
  ProgressSeries s = series_;
  for (auto& row : s.points) row.resize(s.workers.size(), kAbsent);
  return s;
}

}  // namespace ktstr
