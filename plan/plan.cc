// The plan pass in four steps over plain data:
//   1. expand: tests sorted by full name × kernels × replicas × --repeat;
//   2. filter: --filter substrings and -E expressions;
//   3. partition: whole names to shards, by CRC-32 of the name (hash:K/N,
//      stable across runs, machines and libraries) or by dealing the sorted
//      names round-robin (count:K/N, even shard sizes);
//   4. shuffle: Fisher-Yates over whole names, drawing from std::mt19937_64's
//      raw output (its sequence is fixed by the standard, unlike
//      std::shuffle's and uniform_int_distribution's), so a seed gives the
//      same order with every standard library.
#include "plan/plan.h"

#include <fmt/format.h>
#include <algorithm>
#include <boost/crc.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>

namespace ktstr {

namespace {

// Mirrors memory_mib_for() in vmm/qemu_cmdline.cc (the plan does not link
// vmm): 64 MiB per vCPU, at least 256 MiB, at least what the test asks.
int guest_memory_mib(const TopologySpec& topology, int requested_mib) {
  return std::max({topology.total_cpus() * 64, 256, requested_mib});
}

// The wall limit of a VM run on `topology`. A timeout_s the user set is kept
// as is; a derived one is derived again for the instance's vCPUs (the same
// formula as the resolver's) and, under TCG, multiplied by the vCPUs per host
// CPU when that is above 1.
void set_timeout(TestInstance& i, const ResolvedTest& t, const HostCapacity& host) {
  const Setting* s = t.get("timeout_s");
  const double per_cpu = host.vcpus_per_cpu(i.vcpus);
  i.vcpus_per_host_cpu = per_cpu;
  i.oversubscription = host.kvm ? 0 : host.oversubscription;
  if (s && s->origin.layer != Origin::Layer::kDerived && s->value.is_number()) {
    i.timeout_s = s->value.get<double>();
    i.timeout_origin = "timeout_s (" + s->origin.describe() + ")";
    return;
  }
  const double d = t.value_or<double>("duration_s", 2);
  double limit = derived_timeout_s(d, i.vcpus);
  std::string how = kDerivedTimeoutRule;
  if (!host.kvm && per_cpu > 1) {
    limit = std::ceil(limit * per_cpu);
    how += fmt::format(", x {:.2g} vCPUs per host CPU (TCG)", per_cpu);
  }
  i.timeout_s = limit;
  i.timeout_origin = "derived: " + how;
}

struct Variant {
  std::string name;  // without kernel suffix
  std::string dir;   // without kernel suffix
  const FlagProfile* profile;
  const GauntletPreset* preset;  // null: the test's own topology
};

std::vector<TestInstance> expand(const std::vector<ResolvedTest>& tests,
                                 const std::vector<PlanKernel>& kernels, const PlanOptions& options,
                                 bool gauntlet, std::vector<GauntletMiss>& missed) {
  const int repeat = std::max(1, options.repeat);
  std::vector<const ResolvedTest*> sorted;
  for (const auto& t : tests) sorted.push_back(&t);
  std::stable_sort(sorted.begin(), sorted.end(), [](const ResolvedTest* a, const ResolvedTest* b) {
    return a->full_name < b->full_name;
  });
  const bool several_kernels = kernels.size() > 1;
  std::vector<TestInstance> out;
  for (const ResolvedTest* t : sorted) {
    const bool host_only = t->value_or<bool>("host_only", false);
    const int replicas = std::max(1, t->value_or<int>("replicas", 1));
    static const FlagProfile kNone;
    std::vector<const FlagProfile*> profiles;
    for (const auto& p : t->profiles) profiles.push_back(&p);
    if (profiles.empty()) profiles.push_back(&kNone);
    std::vector<Variant> variants;
    for (const FlagProfile* p : profiles) {
      const std::string pn = p->name();
      variants.push_back({.name = t->full_name + (pn.empty() ? "" : "/" + pn),
                          .dir = t->name + (pn.empty() ? "" : "@" + pn),
                          .profile = p,
                          .preset = nullptr});
    }
    // Gauntlet variants: a host_only test has no VM, hence no topology to vary.
    if (gauntlet && !host_only) {
      for (const GauntletPreset& preset : options.presets) {
        const std::string base = "gauntlet/" + t->name + "/" + preset.name;
        std::string why = gauntlet_constraint_miss(*t, preset);
        bool capacity = false;
        if (why.empty() && options.unbuildable) why = options.unbuildable(preset.topology);
        if (why.empty()) {
          why = capacity_miss(options.host, preset.topology);
          capacity = !why.empty();
        }
        if (!why.empty()) {
          missed.push_back({.name = base,
                            .reason = why,
                            .capacity = capacity,
                            .by_choice = why == kNotInPresets});
          continue;
        }
        for (const FlagProfile* p : profiles) {
          const std::string pn = p->name();
          variants.push_back(
              {.name = base + (pn.empty() ? "" : "/" + pn),
               .dir = "gauntlet/" + t->name + "@" + preset.name + (pn.empty() ? "" : "@" + pn),
               .profile = p,
               .preset = &preset});
        }
      }
    }
    // The host is the same whichever kernel the VMs boot: a host_only test runs once.
    const size_t kernel_count = host_only ? 1 : kernels.size();
    for (const Variant& v : variants) {
      const TopologySpec topology = v.preset ? v.preset->topology : t->topology();
      int requested = t->value_or<int>("memory_mib", 2048);
      if (v.preset && v.preset->memory_mib > 0) requested = v.preset->memory_mib;
      for (size_t k = 0; k < kernel_count; ++k) {
        const bool suffix = several_kernels && !host_only;
        const std::string name = v.name + (suffix ? "/" + kernels[k].dimension : "");
        const std::string base_dir = v.dir + (suffix ? "-" + kernels[k].dimension : "");
        for (int r = 1; r <= replicas; ++r) {
          for (int rep = 1; rep <= repeat; ++rep) {
            TestInstance i;
            i.name = name;
            i.test = t;
            i.kernel_index = k;
            i.replica = r;
            i.replicas = replicas;
            i.repetition = rep;
            i.repetitions = repeat;
            i.ignored = t->value_or<bool>("ignore", false);
            i.host_only = host_only;
            i.scheduler = t->value_or<std::string>("scheduler", "eevdf");
            i.profile = v.profile->name();
            i.flags = v.profile->flags;
            i.flag_args = v.profile->args;
            i.preset = v.preset ? v.preset->name : "";
            i.topology = topology;
            i.vcpus = topology.total_cpus();
            i.requested_memory_mib = requested;
            i.memory_mib = guest_memory_mib(topology, requested);
            set_timeout(i, *t, options.host);
            i.dir = base_dir;
            if (replicas > 1) i.dir += "/replica-" + std::to_string(r);
            if (repeat > 1) i.dir += "/run-" + std::to_string(rep);
            out.push_back(std::move(i));
          }
        }
      }
    }
  }
  return out;
}

bool selected(const TestInstance& i, const PlanKernel& kernel, const PlanOptions& o) {
  const FilterSubject subject{
      .instance = &i, .kernel_label = kernel.label, .kernel_dimension = kernel.dimension};
  const bool by_filter = std::any_of(o.filters.begin(), o.filters.end(), [&](const auto& f) {
    return i.name.find(f) != std::string::npos;
  });
  const bool by_expr = std::any_of(o.exprs.begin(), o.exprs.end(),
                                   [&](const FilterExpr& e) { return e.matches(subject); });
  // Each kind given narrows the run: both kinds intersect.
  return (o.filters.empty() || by_filter) && (o.exprs.empty() || by_expr);
}

// The distinct names of `instances`, in order of first appearance.
std::vector<std::string> names_of(const std::vector<TestInstance>& instances) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& i : instances)
    if (seen.insert(i.name).second) names.push_back(i.name);
  return names;
}

std::set<std::string> names_in_shard(const std::vector<std::string>& names, const Partition& p) {
  std::set<std::string> in;
  if (p.kind == Partition::Kind::kHash) {
    for (const auto& n : names) {
      boost::crc_32_type crc;
      crc.process_bytes(n.data(), n.size());
      if (crc.checksum() % static_cast<std::uint32_t>(p.count) ==
          static_cast<std::uint32_t>(p.index - 1))
        in.insert(n);
    }
    return in;
  }
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  for (size_t k = 0; k < sorted.size(); ++k)
    if (static_cast<int>(k % static_cast<size_t>(p.count)) == p.index - 1) in.insert(sorted[k]);
  return in;
}

// A uniform draw in [0, bound): rejects the low 2^64 mod bound raw values,
// so every result is equally likely (no modulo bias).
std::uint64_t draw_below(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t threshold = (std::numeric_limits<std::uint64_t>::max() - bound + 1) % bound;
  while (true) {
    const std::uint64_t x = rng();
    if (x >= threshold) return x % bound;
  }
}

void shuffle_names(std::vector<TestInstance>& instances, std::uint64_t seed) {
  std::vector<std::string> names = names_of(instances);
  std::mt19937_64 rng(seed);
  for (size_t k = names.size(); k > 1; --k) std::swap(names[k - 1], names[draw_below(rng, k)]);
  std::map<std::string, std::vector<TestInstance>> by_name;
  for (auto& i : instances) by_name[i.name].push_back(std::move(i));
  instances.clear();
  for (const auto& n : names)
    for (auto& i : by_name[n]) instances.push_back(std::move(i));
}

}  // namespace

Plan make_plan(const std::vector<ResolvedTest>& tests, const std::vector<PlanKernel>& kernels,
               const PlanOptions& options) {
  Plan plan;
  plan.kernels = kernels.empty() ? std::vector<PlanKernel>{PlanKernel{}} : kernels;
  plan.gauntlet = (options.gauntlet || options.run_ignored) && !options.presets.empty();
  std::vector<TestInstance> all =
      expand(tests, plan.kernels, options, plan.gauntlet, plan.gauntlet_missed);
  plan.total_before_filters = all.size();

  std::vector<TestInstance> kept;
  for (auto& i : all)
    if (selected(i, plan.kernels[i.kernel_index], options)) kept.push_back(std::move(i));
  plan.filtered_out = plan.total_before_filters - kept.size();

  if (options.partition) {
    const std::set<std::string> shard = names_in_shard(names_of(kept), *options.partition);
    std::vector<TestInstance> mine;
    for (auto& i : kept)
      if (shard.count(i.name)) mine.push_back(std::move(i));
    plan.partitioned_out = kept.size() - mine.size();
    kept = std::move(mine);
  }

  if (options.budget_s) {
    std::vector<TestInstance> runnable;
    for (const auto& i : kept)
      if (!i.ignored || options.run_ignored) runnable.push_back(i);
    std::vector<std::string> labels;
    for (const auto& k : plan.kernels) labels.push_back(k.label);
    plan.budget = select_within_budget(runnable, labels, *options.budget_s, options.cost);
    const std::set<std::string> chosen(plan.budget->names.begin(), plan.budget->names.end());
    std::vector<TestInstance> mine;
    for (auto& i : kept)
      if ((i.ignored && !options.run_ignored) || chosen.count(i.name)) mine.push_back(std::move(i));
    plan.budgeted_out = kept.size() - mine.size();
    kept = std::move(mine);
  }

  if (options.shuffle_seed) shuffle_names(kept, *options.shuffle_seed);

  for (auto& i : kept) {
    if (i.ignored && !options.run_ignored)
      plan.ignored.push_back(std::move(i));
    else
      plan.instances.push_back(std::move(i));
  }
  return plan;
}

std::string format_list(const Plan& plan) {
  std::string out;
  for (const auto& n : names_of(plan.instances)) out += n + "\n";
  return out;
}

}  // namespace ktstr
