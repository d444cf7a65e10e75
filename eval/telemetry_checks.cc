// Each check works on one cgroup's workers at a time, in the order the
// cgroups first appear in the telemetry. A threshold that is not set is not
// checked; a set threshold whose formula has a zero denominator is
// INCONCLUSIVE (never a silent PASS); a check that needs more data than the
// run produced (two workers for a spread, wake samples for a p99) leaves a
// note. Counters are untrusted 64-bit values: sums are long double, every
// ratio goes through ratio() (no division by zero, so no NaN or inf), and
// guest strings (cgroup names, cpuset specs, errors) are escaped.
#include "eval/telemetry_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

#include "eval/guest_text.h"
#include "eval/sample_stats.h"

namespace ktstr {
namespace {

using W = WorkerReport;

struct Group {
  std::string name;
  std::vector<const W*> workers;
};

/// A threshold as short as it reads in a spec: 25, 0.3, 1e+15.
std::string number_text(double v) {
  std::string s = fmt::format("{}", v);
  if (s.size() <= 12) return s;
  std::string g = fmt::format("{:.6g}", v);
  return std::strtod(g.c_str(), nullptr) == v ? g : s;
}

std::string setting(const char* key, const Threshold<double>& t) {
  return fmt::format("{} = {} ({})", key, number_text(*t.value), t.origin);
}

std::string setting(const char* key, const Threshold<bool>& t) {
  return fmt::format("{} = {} ({})", key, *t.value ? "true" : "false", t.origin);
}

std::string who(const W& w) { return fmt::format("worker {}", w.index); }

std::string secs(std::uint64_t ns) { return fmt::format("{:.2f} s", ns / 1e9); }

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = 0;
  return __builtin_add_overflow(a, b, &s) ? std::numeric_limits<std::uint64_t>::max() : s;
}

/// Judges one cgroup; `where` is "max_gap_ms: cgroup 'cg_0'"-style prefix material.
class GroupChecks {
 public:
  GroupChecks(const Group& g, const ScenarioTelemetry& t, const Checks& c, TelemetryFindings& out)
      : g_(g),
        t_(t),
        c_(c),
        out_(out),
        cg_(fmt::format("cgroup '{}'", escape_guest_line(g.name))) {}

  void run() {
    row_.cgroup = g_.name;
    row_.workers = static_cast<int>(g_.workers.size());
    errors();
    const bool starved_on = c_.not_starved.set() && *c_.not_starved.value;
    if (starved_on) zero_work();
    // not_starved turns the spread and gap checks on with their thresholds;
    // without it they run only when set outside the built-in layer.
    spread(gated(c_.max_spread_pct, starved_on));
    gap(gated(c_.max_gap_ms, starved_on));
    if (c_.isolation.set() && *c_.isolation.value) isolation();
    throughput_cv();
    work_rate();
    wake_latency();
    iteration_rate();
    migration_ratio();
    std::vector<int> cpus;
    for (const W* w : g_.workers) cpus.insert(cpus.end(), w->cpus_used.begin(), w->cpus_used.end());
    row_.cpus = cpu_list_text(cpus);
    out_.table.push_back(row_);
  }

 private:
  static bool gated(const Threshold<double>& t, bool starved_on) {
    return t.set() && (starved_on || t.origin != "built-in");
  }
  void fail(const char* check, const std::string& what, const std::string& limit) {
    out_.failures.push_back(fmt::format("{}: {}: {} {}", check, cg_, what, limit));
  }
  void inconclusive(const char* check, const std::string& what, const std::string& limit) {
    out_.inconclusive.push_back(fmt::format("{}: {}: {} ({})", check, cg_, what, limit));
  }
  void note(const char* check, const std::string& what) {
    out_.notes.push_back(fmt::format("{}: {}: {}", check, cg_, what));
  }

  void errors() {
    for (const W* w : g_.workers)
      if (!w->error.empty())
        out_.failures.push_back(fmt::format("worker error: {}: {} (pid {}, {}): {}", cg_, who(*w),
                                            w->pid, escape_guest_line(w->work),
                                            escape_guest_line(w->error)));
  }

  void zero_work() {
    for (const W* w : g_.workers)
      if (w->work_units == 0)
        fail("not_starved",
             fmt::format("{} did no work (work_units = 0 in {} of wall time, {} on a CPU)", who(*w),
                         secs(w->wall_ns), secs(w->cpu_ns)),
             "with " + setting("not_starved", c_.not_starved));
  }

  void spread(bool judged) {
    const W* lo = nullptr;
    const W* hi = nullptr;
    double lo_pct = 0, hi_pct = 0;
    const W* no_wall = nullptr;
    for (const W* w : g_.workers) {
      const auto pct = ratio(static_cast<long double>(w->off_cpu_ns) * 100, w->wall_ns);
      if (!pct) {
        no_wall = no_wall ? no_wall : w;
        continue;
      }
      if (!lo || *pct < lo_pct) lo = w, lo_pct = *pct;
      if (!hi || *pct > hi_pct) hi = w, hi_pct = *pct;
    }
    const std::size_t n = g_.workers.size();
    if (!no_wall && n >= 2) row_.spread_pct = hi_pct - lo_pct;
    if (!judged) return;
    if (no_wall) {
      inconclusive("max_spread_pct",
                   fmt::format("{} has wall_ns = 0, so its off-CPU % is undefined", who(*no_wall)),
                   setting("max_spread_pct", c_.max_spread_pct));
      return;
    }
    if (n < 2) {
      note("max_spread_pct",
           fmt::format("{} worker{}, no spread to compute (needs 2)", n, n == 1 ? "" : "s"));
      return;
    }
    const double s = hi_pct - lo_pct;
    if (s > *c_.max_spread_pct.value)
      fail("max_spread_pct",
           fmt::format("spread {:.1f}% ({} off-CPU {:.1f}%, {} {:.1f}%)", s, who(*hi), hi_pct,
                       who(*lo), lo_pct),
           "> " + setting("max_spread_pct", c_.max_spread_pct));
  }

  void gap(bool judged) {
    const W* worst = nullptr;
    for (const W* w : g_.workers)
      if (!worst || w->max_gap.ns > worst->max_gap.ns) worst = w;
    if (!worst) return;
    row_.worst_gap_ms = worst->max_gap.ns / 1e6;
    if (!judged || !(row_.worst_gap_ms > *c_.max_gap_ms.value)) return;
    int more = 0;
    for (const W* w : g_.workers)
      if (w != worst && w->max_gap.ns / 1e6 > *c_.max_gap_ms.value) ++more;
    const GapRecord& gr = worst->max_gap;
    fail("max_gap_ms",
         fmt::format(
             "{}'s longest gap {:.1f} ms (ended at {}{}){}", who(*worst), row_.worst_gap_ms,
             secs(gr.at_ns), gr.cpu >= 0 ? fmt::format(" on CPU {}", gr.cpu) : "",
             more ? fmt::format(", and {} more worker{} over it", more, more == 1 ? "" : "s") : ""),
         "> " + setting("max_gap_ms", c_.max_gap_ms));
  }

  /// The cpuset of this cgroup in force during `epoch`: the last change with
  /// an epoch <= it; nullptr when there is none or it was cleared.
  const CpusetChange* cpuset_in(int epoch) const {
    const CpusetChange* in_force = nullptr;
    for (const auto& c : t_.cpusets)
      if (c.cgroup == g_.name && c.epoch <= epoch && (!in_force || c.epoch >= in_force->epoch))
        in_force = &c;
    return in_force && !in_force->cleared ? in_force : nullptr;
  }
  std::uint64_t epoch_start(int epoch) const {
    for (const auto& c : t_.cpusets)
      if (c.epoch == epoch) return c.at_ns;
    return 0;
  }

  void isolation() {
    int changes = 0;
    for (const auto& c : t_.cpusets) changes += c.cgroup == g_.name;
    for (const W* w : g_.workers) {
      std::vector<EpochCpus> epochs = w->epoch_cpus;
      if (epochs.empty() && !w->cpus_used.empty()) {
        // Without per-epoch CPUs only a cpuset that never changed can be judged.
        if (changes > 1) {
          note("isolation", who(*w) + " reported no CPUs per cpuset epoch; not checked");
          continue;
        }
        epochs.push_back({std::numeric_limits<int>::max(), w->cpus_used});
      }
      for (const auto& e : epochs) {
        const CpusetChange* set = cpuset_in(e.epoch);
        if (!set) continue;
        std::vector<int> outside;
        for (int cpu : e.cpus)
          if (std::find(set->cpus.begin(), set->cpus.end(), cpu) == set->cpus.end())
            outside.push_back(cpu);
        if (outside.empty()) continue;
        const bool whole_run = e.epoch == std::numeric_limits<int>::max();
        fail("isolation",
             fmt::format(
                 "{} ran on CPU{} {} outside its cpuset {} {} (cpuset \"{}\" set at {} by "
                 "{})",
                 who(*w), outside.size() == 1 ? "" : "s", cpu_list_text(outside),
                 cpu_list_text(set->cpus),
                 whole_run
                     ? std::string("during the run")
                     : fmt::format("in epoch {} (from {})", e.epoch, secs(epoch_start(e.epoch))),
                 escape_guest_line(set->spec), secs(set->at_ns), escape_guest_line(set->source)),
             "with " + setting("isolation", c_.isolation));
        break;  // one reason per worker: its first epoch outside
      }
    }
  }

  void throughput_cv() {
    const auto& th = c_.max_throughput_cv;
    if (!th.set()) return;
    std::vector<double> rates;
    for (const W* w : g_.workers) {
      const auto r = ratio(static_cast<long double>(w->work_units) * 1e9L, w->cpu_ns);
      if (!r) {
        inconclusive(
            "max_throughput_cv",
            fmt::format("{} has cpu_ns = 0, so its work units per CPU-second are undefined",
                        who(*w)),
            setting("max_throughput_cv", th));
        return;
      }
      rates.push_back(*r);
    }
    if (rates.size() < 2) {
      note("max_throughput_cv", fmt::format("{} worker{}, no CV to compute (needs 2)", rates.size(),
                                            rates.size() == 1 ? "" : "s"));
      return;
    }
    const Moments m = population_moments(rates);
    const auto cv = ratio(m.stddev, m.mean);
    const std::size_t lo = std::min_element(rates.begin(), rates.end()) - rates.begin();
    const std::size_t hi = std::max_element(rates.begin(), rates.end()) - rates.begin();
    if (!cv) {
      inconclusive("max_throughput_cv", "the mean work units per CPU-second is 0",
                   setting("max_throughput_cv", th));
      return;
    }
    if (*cv > *th.value)
      fail("max_throughput_cv",
           fmt::format("throughput CV {:.3g} over {} workers (mean {:.4g} work units per "
                       "CPU-second; {} {:.4g}, {} {:.4g})",
                       *cv, rates.size(), m.mean, who(*g_.workers[lo]), rates[lo],
                       who(*g_.workers[hi]), rates[hi]),
           "> " + setting("max_throughput_cv", th));
  }

  /// Per-worker rate checks: value = num / (den_ns / 1e9), below `th` fails.
  template <class Num, class Den>
  void per_worker_min(const char* key, const Threshold<double>& th, Num num, Den den,
                      const char* den_name, const char* unit) {
    if (!th.set()) return;
    const W* worst = nullptr;
    double worst_rate = 0;
    int below = 0;
    for (const W* w : g_.workers) {
      const auto r = ratio(static_cast<long double>(num(*w)) * 1e9L, den(*w));
      if (!r) {
        inconclusive(key, fmt::format("{} has {} = 0, so its rate is undefined", who(*w), den_name),
                     setting(key, th));
        return;
      }
      if (*r < *th.value) {
        ++below;
        if (!worst || *r < worst_rate) worst = w, worst_rate = *r;
      }
    }
    if (!worst) return;
    fail(key,
         fmt::format("{} did {:.4g} {} ({} in {}){}", who(*worst), worst_rate, unit, num(*worst),
                     secs(den(*worst)),
                     below > 1 ? fmt::format(", and {} more worker{} below", below - 1,
                                             below == 2 ? "" : "s")
                               : ""),
         "< " + setting(key, th));
  }

  void work_rate() {
    per_worker_min(
        "min_work_rate", c_.min_work_rate, [](const W& w) { return w.work_units; },
        [](const W& w) { return w.cpu_ns; }, "cpu_ns", "work units per CPU-second");
  }
  void iteration_rate() {
    per_worker_min(
        "min_iteration_rate", c_.min_iteration_rate, [](const W& w) { return w.iterations; },
        [](const W& w) { return w.wall_ns; }, "wall_ns", "iterations per second");
  }

  void wake_latency() {
    std::vector<std::pair<std::uint64_t, const W*>> samples;
    for (const W* w : g_.workers)
      for (std::uint64_t ns : w->wake_latencies_ns) samples.emplace_back(ns, w);
    std::sort(samples.begin(), samples.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    const auto idx = nearest_rank_index(samples.size(), 99);
    if (idx) row_.p99_wake_us = samples[*idx].first / 1e3;
    if (const auto& th = c_.max_p99_wake_latency_ns; th.set()) {
      if (!idx) {
        note("max_p99_wake_latency_ns", "no wake latency samples (its work types do not block)");
      } else if (static_cast<double>(samples[*idx].first) > *th.value) {
        fail("max_p99_wake_latency_ns",
             fmt::format("p99 wake latency {} ns over {} samples (that sample is {}'s; the "
                         "largest, {} ns, {}'s)",
                         samples[*idx].first, samples.size(), who(*samples[*idx].second),
                         samples.back().first, who(*samples.back().second)),
             "> " + setting("max_p99_wake_latency_ns", th));
      }
    }
    if (const auto& th = c_.max_wake_latency_cv; th.set()) {
      if (samples.size() < 2) {
        note("max_wake_latency_cv",
             fmt::format("{} wake latency sample{}, no CV to compute (needs 2)", samples.size(),
                         samples.size() == 1 ? "" : "s"));
        return;
      }
      std::vector<double> v;
      v.reserve(samples.size());
      for (const auto& s : samples) v.push_back(static_cast<double>(s.first));
      const Moments m = population_moments(v);
      const auto cv = ratio(m.stddev, m.mean);
      if (!cv) {
        inconclusive("max_wake_latency_cv", "every wake latency sample is 0 ns",
                     setting("max_wake_latency_cv", th));
      } else if (*cv > *th.value) {
        fail("max_wake_latency_cv",
             fmt::format("wake latency CV {:.3g} over {} samples (mean {:.0f} ns; the largest, {} "
                         "ns, {}'s)",
                         *cv, samples.size(), m.mean, samples.back().first,
                         who(*samples.back().second)),
             "> " + setting("max_wake_latency_cv", th));
      }
    }
  }

  void migration_ratio() {
    long double migrations = 0, iterations = 0;
    const W* most = nullptr;
    for (const W* w : g_.workers) {
      migrations += w->migrations;
      iterations += w->iterations;
      row_.migrations = saturating_add(row_.migrations, w->migrations);
      row_.iterations = saturating_add(row_.iterations, w->iterations);
      if (!most || w->migrations > most->migrations) most = w;
    }
    const auto& th = c_.max_migration_ratio;
    if (!th.set() || !most) return;
    const auto r = ratio(migrations, iterations);
    if (!r) {
      inconclusive("max_migration_ratio", "its workers did 0 iterations",
                   setting("max_migration_ratio", th));
      return;
    }
    if (*r > *th.value)
      fail("max_migration_ratio",
           fmt::format("{:.3g} migrations per iteration ({} migrations / {} iterations; {} "
                       "migrated most, {} times)",
                       *r, row_.migrations, row_.iterations, who(*most), most->migrations),
           "> " + setting("max_migration_ratio", th));
  }

  const Group& g_;
  const ScenarioTelemetry& t_;
  const Checks& c_;
  TelemetryFindings& out_;
  const std::string cg_;
  CgroupRow row_;
};

/// A NaN threshold compares false with everything and would pass silently.
void refuse_nan(Threshold<double>& t, const char* key, TelemetryFindings& out) {
  if (t.set() && std::isnan(*t.value)) {
    out.failures.push_back(fmt::format(
        "{}: {} = nan ({}) is not a number a measurement can be compared with; set a number", key,
        key, t.origin));
    t.value.reset();
  }
}

}  // namespace

std::string cpu_list_text(std::vector<int> cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? std::to_string(cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]);
    i = j + 1;
  }
  return out;
}

TelemetryFindings check_telemetry(const ScenarioTelemetry& telemetry, const Checks& checks) {
  TelemetryFindings out;
  Checks c = checks;
  refuse_nan(c.max_gap_ms, "max_gap_ms", out);
  refuse_nan(c.max_spread_pct, "max_spread_pct", out);
  refuse_nan(c.max_throughput_cv, "max_throughput_cv", out);
  refuse_nan(c.min_work_rate, "min_work_rate", out);
  refuse_nan(c.max_p99_wake_latency_ns, "max_p99_wake_latency_ns", out);
  refuse_nan(c.max_wake_latency_cv, "max_wake_latency_cv", out);
  refuse_nan(c.min_iteration_rate, "min_iteration_rate", out);
  refuse_nan(c.max_migration_ratio, "max_migration_ratio", out);
  std::vector<Group> groups;
  for (const auto& w : telemetry.workers) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.name == w.cgroup; });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{w.cgroup, {}});
    it->workers.push_back(&w);
  }
  for (const Group& g : groups) GroupChecks(g, telemetry, c, out).run();
  return out;
}

}  // namespace ktstr
