#include "runner/plan_host.h"

#include <fmt/format.h>

#include <set>

#include "exec/host_budget.h"
#include "vmm/qemu_cmdline.h"

namespace ktstr {

void add_host_to_plan(PlanOptions& options, const Catalog& catalog, Accel accel) {
  options.presets = gauntlet_preset_list(catalog);
  options.host.cpus = host_cpus();
  options.host.kvm = accel == Accel::kKvm;
  const Accel a = accel == Accel::kKvm ? Accel::kKvm : Accel::kTcg;
  options.unbuildable = [a](const TopologySpec& t) { return check_topology(t, a); };
}

std::string gauntlet_note(const Plan& plan, const PlanOptions& options) {
  if (!plan.gauntlet) return "";
  size_t variants = 0;
  std::set<std::string> tests, presets;
  for (const auto& i : plan.instances) {
    if (i.preset.empty() || i.replica != 1 || i.repetition != 1) continue;
    ++variants;
    tests.insert(i.test ? i.test->name : "");
    presets.insert(i.preset);
  }
  size_t capacity = 0;
  for (const auto& m : plan.gauntlet_missed) capacity += m.capacity ? 1 : 0;
  std::string out = fmt::format(
      "gauntlet: {} variant{} of {} test{} on {} preset{}", variants, variants == 1 ? "" : "s",
      tests.size(), tests.size() == 1 ? "" : "s", presets.size(), presets.size() == 1 ? "" : "s");
  if (!plan.gauntlet_missed.empty())
    out += fmt::format("; {} test x preset pair{} left out ({} too big for {})",
                       plan.gauntlet_missed.size(), plan.gauntlet_missed.size() == 1 ? "" : "s",
                       capacity, options.host.describe());
  return out;
}

}  // namespace ktstr
