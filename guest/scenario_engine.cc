// The timeline: set up every cgroup, then sleep to each step's time and apply
// it, then sleep to the end, stop everything and tear down in reverse order.
// A failed setup stops the run early (there is nothing meaningful to measure);
// a failed step is recorded and the run continues.
#include "guest/scenario_engine.h"

#include <algorithm>
#include <string>

namespace ktstr {

double step_time_s(const Step& step, double duration_s) {
  return step.at_ms >= 0 ? step.at_ms / 1000.0 : step.at * duration_s;
}

namespace {

std::string step_label(size_t i, const Step& s, double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", t);
  return "step " + std::to_string(i + 1) + " (" + op_name(s.op) + " '" + s.cgroup + "' at " + buf +
         " s)";
}

Status setup(Ctx& ctx, const CgroupDef& d, std::vector<std::string>& created) {
  if (Status s = ctx.create_cgroup(d.name); !s) return s;
  created.push_back(d.name);
  if (!d.cpuset.empty())
    if (Status s = ctx.set_cpuset(d.name, d.cpuset); !s) return s;
  CgroupDef def = d;
  if (def.workers < 0) def.workers = ctx.workers_per_cgroup();
  return ctx.spawn_workers(def);
}

Status apply(Ctx& ctx, const Step& s, std::vector<std::string>& created) {
  switch (s.op) {
    case Op::add_cgroup: {
      CgroupDef def = s.def;
      if (def.name.empty()) def.name = s.cgroup;
      return setup(ctx, def, created);
    }
    case Op::remove_cgroup: {
      Status st = ctx.remove_cgroup(s.cgroup);
      created.erase(std::remove(created.begin(), created.end(), s.cgroup), created.end());
      return st;
    }
    case Op::set_cpuset:
      return ctx.set_cpuset(s.cgroup, s.cpuset);
    case Op::clear_cpuset:
      return ctx.clear_cpuset(s.cgroup);
    case Op::set_affinity:
      return ctx.set_affinity(s.cgroup, s.affinity);
    case Op::spawn: {
      CgroupDef def = s.def;
      def.name = s.cgroup;
      if (def.workers < 0) def.workers = ctx.workers_per_cgroup();
      return ctx.spawn_workers(def);
    }
    case Op::stop_cgroup:
      ctx.stop_workers(s.cgroup);
      return {};
    case Op::move_tasks: {
      if (s.target.empty()) return Status::failure("move_tasks needs a target cgroup");
      for (int pid : ctx.worker_pids(s.cgroup))
        if (Status st = ctx.move_task(s.target, pid); !st) return st;
      return {};
    }
    case Op::run_payload:
      return ctx.run_payload(s.payload);
    case Op::kill_payload:
      return ctx.kill_payload(s.payload);
  }
  return Status::failure("unknown op");
}

}  // namespace

AssertResult run_timeline(Ctx& ctx, const std::vector<CgroupDef>& defs,
                          const std::vector<Step>& steps,
                          const std::function<void(const std::string&)>& source) {
  auto from = [&](const std::string& what) {
    if (source) source(what);
  };
  AssertResult result;
  std::vector<std::string> created;
  const double start = ctx.elapsed_s();
  const double duration = ctx.duration_s();

  bool ok = true;
  for (const auto& d : defs) {
    from("cgroup '" + d.name + "'");
    if (Status s = setup(ctx, d, created); !s) {
      result.check(s, "set up cgroup '" + d.name + "'");
      ok = false;
      break;
    }
  }
  if (ok) {
    std::vector<size_t> order(steps.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return step_time_s(steps[a], duration) < step_time_s(steps[b], duration);
    });
    for (size_t i : order) {
      const Step& s = steps[i];
      const double t = step_time_s(s, duration);
      const double wait = start + t - ctx.elapsed_s();
      if (wait > 0) ctx.sleep_s(wait);
      from("step " + std::to_string(i + 1) + " (" + op_name(s.op) + ")");
      result.check(apply(ctx, s, created), step_label(i, s, t));
    }
    from("");
    const double rest = start + duration - ctx.elapsed_s();
    if (rest > 0) ctx.sleep_s(rest);
  }
  from("");
  // Stop every group before removing anything, so all workers ran equally long.
  for (const auto& name : created) ctx.stop_workers(name);
  for (auto it = created.rbegin(); it != created.rend(); ++it)
    result.check(ctx.remove_cgroup(*it), "remove cgroup '" + *it + "'");
  return result;
}

}  // namespace ktstr
