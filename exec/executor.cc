// Placeholder until the executor lands (issue 16, exec/): nothing calls it yet.
#include "exec/executor.h"

#include <stdexcept>

namespace ktstr {

RunSummary run_plan(const Plan&, const RunInfo&, const RunAttempt&, const ExecutorOptions&,
                    RunListener&) {
  throw std::logic_error("run_plan: not built yet");
}

}  // namespace ktstr
