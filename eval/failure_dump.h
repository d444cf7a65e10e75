// The console's compact form of a sched_ext failure dump: the scheduler's BPF
// maps and SysRq-D as the guest captured them (data.scheduler.bpf and
// data.scheduler.sysrq_dump, docs/failure-dumps.md). Everything in those
// fields is guest text of any JSON type: a field of the wrong type reads as
// absent, names are escaped inline, values are quoted "| " blocks, and every
// count is bounded, so no guest can forge a runner line or flood the console.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace ktstr {

/// How much of the dump the console shows (result.json keeps all of it).
struct FailureDumpStyle {
  std::size_t lines_per_map = 12;  ///< value lines shown per map
  std::size_t max_maps = 32;       ///< maps shown
  std::size_t sysrq_lines = 40;    ///< SysRq-D lines shown
  std::size_t line_bytes = 240;    ///< longer lines are cut ("…")
};

/// The dump under runner-written headings:
///   failure dump (captured at exit; 9 maps, 10 struct_ops programs):
///   map scx_qmap.bss (array, 1 entry):
///   | nr_enqueued = 14
///   SysRq-D (sched_ext state): 31 lines
///   | CPU 0   : nr_run=1 ...
/// "" when `scheduler` (data.scheduler) holds no dump.
std::string format_failure_dump(const nlohmann::json& scheduler,
                                const FailureDumpStyle& style = {});

}  // namespace ktstr
