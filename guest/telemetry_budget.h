// Keeping the result frame bounded: the telemetry of a large or long scenario
// can outgrow what the host accepts in one frame (8 MiB). Past a budget the
// agent drops, in this order, the wake latency samples (their count stays),
// the progress series, then the migration logs (their count stays), and says
// so in a detail line. Gaps, CPUs, epochs and counters are never dropped:
// the checks read them.
#pragma once

#include <cstddef>
#include <string>

#include "guest/protocol/worker_report.h"

namespace ktstr {

/// Shrinks `t` until its JSON encoding fits `budget` bytes (or nothing
/// droppable is left). Returns the detail line naming what was dropped, ""
/// when it already fit.
std::string bound_telemetry_size(ScenarioTelemetry& t, std::size_t budget);

}  // namespace ktstr
