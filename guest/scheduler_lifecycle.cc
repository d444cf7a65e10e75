#include "guest/scheduler_lifecycle.h"

namespace ktstr {

std::string start_scheduler(const SchedulerSpec& scheduler, [[maybe_unused]] ScenarioHost& host) {
  if (scheduler.kind == "eevdf") return "";
  if (scheduler.kind == "sched_ext") return "sched_ext not implemented yet";
  return "unknown scheduler kind '" + scheduler.kind + "'";
}

std::string stop_scheduler([[maybe_unused]] const SchedulerSpec& scheduler,
                           [[maybe_unused]] ScenarioHost& host) {
  // Nothing to stop until start_scheduler can start something.
  return "";
}

}  // namespace ktstr
