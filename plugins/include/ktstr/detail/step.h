// Timed changes during a run: the C++ mirror of the declarative [[step]] table.
#pragma once

#include <string>
#include <utility>

#include "ktstr/detail/cgroup_def.h"

namespace ktstr {

/// What a step does.
enum class Op {
  add_cgroup,     ///< create `def` and spawn its workers
  remove_cgroup,  ///< stop the workers of `cgroup` and remove it
  set_cpuset,     ///< set `cgroup`'s cpuset to `cpuset`
  clear_cpuset,   ///< give `cgroup` every CPU back
  set_affinity,   ///< re-pin `cgroup`'s running workers with mode `affinity`
  spawn,          ///< spawn `def.workers` more workers of `def.work` in `cgroup`
  stop_cgroup,    ///< stop (and collect) `cgroup`'s workers, keep the cgroup
  move_tasks,     ///< move every task of `cgroup` into `target` (C++ only for now)
  run_payload,    ///< start payload `payload` (not supported yet)
  kill_payload,   ///< stop payload `payload` (not supported yet)
};

/// The spelling of `op` in specs ("set_cpuset").
inline const char* op_name(Op op) {
  switch (op) {
    case Op::add_cgroup:
      return "add_cgroup";
    case Op::remove_cgroup:
      return "remove_cgroup";
    case Op::set_cpuset:
      return "set_cpuset";
    case Op::clear_cpuset:
      return "clear_cpuset";
    case Op::set_affinity:
      return "set_affinity";
    case Op::spawn:
      return "spawn";
    case Op::stop_cgroup:
      return "stop_cgroup";
    case Op::move_tasks:
      return "move_tasks";
    case Op::run_payload:
      return "run_payload";
    case Op::kill_payload:
      return "kill_payload";
  }
  return "?";
}

/// One timed operation. Time is a fraction of the duration (`at`, 0..1) unless
/// `at_ms` >= 0, which gives milliseconds from the start. Every member has a
/// default, so a partial aggregate (`Step{0.5, -1, Op::clear_cpuset, "a"}`)
/// is warning-free.
struct Step {
  double at = 0.0;
  double at_ms = -1.0;
  Op op = Op::set_cpuset;
  std::string cgroup{};
  std::string cpuset{};    ///< set_cpuset
  std::string affinity{};  ///< set_affinity
  std::string target{};    ///< move_tasks
  std::string payload{};   ///< run_payload / kill_payload
  CgroupDef def{};         ///< add_cgroup / spawn

  /// Helpers for the common steps.
  static Step set_cpuset_at(double at, std::string cgroup, std::string cpuset) {
    Step s = make(at, Op::set_cpuset, std::move(cgroup));
    s.cpuset = std::move(cpuset);
    return s;
  }
  static Step clear_cpuset_at(double at, std::string cgroup) {
    return make(at, Op::clear_cpuset, std::move(cgroup));
  }
  static Step set_affinity_at(double at, std::string cgroup, std::string affinity) {
    Step s = make(at, Op::set_affinity, std::move(cgroup));
    s.affinity = std::move(affinity);
    return s;
  }
  static Step add_cgroup_at(double at, CgroupDef def) {
    Step s = make(at, Op::add_cgroup, def.name);
    s.def = std::move(def);
    return s;
  }
  static Step remove_cgroup_at(double at, std::string cgroup) {
    return make(at, Op::remove_cgroup, std::move(cgroup));
  }
  static Step move_tasks_at(double at, std::string from, std::string to) {
    Step s = make(at, Op::move_tasks, std::move(from));
    s.target = std::move(to);
    return s;
  }

 private:
  static Step make(double at, Op op, std::string cgroup) {
    Step s;
    s.at = at;
    s.op = op;
    s.cgroup = std::move(cgroup);
    return s;
  }
};

}  // namespace ktstr
