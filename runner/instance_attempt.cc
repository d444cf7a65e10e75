#include "runner/instance_attempt.h"

#include <fmt/format.h>

#include <chrono>

#include "eval/evaluate.h"
#include "runner/checks_from_spec.h"
#include "runner/guest_request.h"
#include "runner/host_only_run.h"
#include "runner/result_file.h"
#include "runner/run_record_builder.h"
#include "store/run_store.h"
#include "vmm/accel.h"

namespace ktstr {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

AttemptResult verdict_only(Verdict::Kind kind, std::string reason) {
  AttemptResult r;
  r.verdict.kind = kind;
  r.verdict.reasons.push_back(std::move(reason));
  return r;
}

// A retry starts in a clean directory; the earlier attempt's files move to attempt-N/.
void keep_earlier_attempt(const fs::path& dir, int attempt) {
  std::error_code ec;
  if (attempt <= 1 || !fs::exists(dir, ec)) return;
  const fs::path keep = dir / fmt::format("attempt-{}", attempt - 1);
  fs::create_directories(keep, ec);
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string leaf = e.path().filename().string();
    if (leaf.starts_with("attempt-") || leaf.starts_with("replica-") || leaf.starts_with("run-"))
      continue;
    fs::rename(e.path(), keep / leaf, ec);
  }
}

}  // namespace

void add_instance_fields(json& sidecar, const TestInstance& instance, int attempt,
                         const Verdict& verdict) {
  sidecar["format"] = kSidecarFormat;
  sidecar["name"] = instance.name;
  sidecar["display_name"] = instance.display_name();
  sidecar["test"] = instance.test ? instance.test->name : "";
  sidecar["replica"] = instance.replica;
  sidecar["repetition"] = instance.repetition;
  sidecar["attempt"] = attempt;
  sidecar["dir"] = instance.dir;
  sidecar["profile"] = instance.profile;
  sidecar["flags"] = instance.flags;
  sidecar["preset"] = instance.preset;
  sidecar["timeout_s"] = instance.timeout_s;
  // The host-capacity rule in force: vCPUs per host CPU and the TCG factor.
  sidecar["oversubscription"] = {{"vcpus_per_host_cpu", instance.vcpus_per_host_cpu},
                                 {"tcg_factor", instance.oversubscription}};
  sidecar["status"] = status_name(status_of(verdict.kind));
  sidecar["verdict"] = Verdict::name(verdict.kind);
  sidecar["reasons"] = verdict.reasons;
}

AttemptResult run_instance_attempt(const AttemptContext& ctx, const TestInstance& instance,
                                   int attempt) {
  const ResolvedTest& t = *instance.test;
  const KernelInfo& kernel = (*ctx.kernels)[instance.kernel_index];
  const std::string sched = t.value_or<std::string>("scheduler", "eevdf");
  const bool needs_scx = ctx.catalog->find("scheduler", sched) != nullptr;
  if (needs_scx && !kernel.sched_ext && !instance.host_only)
    return verdict_only(Verdict::Kind::kSkip,
                        fmt::format("kernel {} lacks CONFIG_SCHED_CLASS_EXT (scheduler '{}' needs "
                                    "sched_ext); run `ktstr-run kernel build` to build one",
                                    kernel.label, sched));
  const auto start = Clock::now();
  const fs::path dir = ctx.run_root / instance.dir;
  keep_earlier_attempt(dir, attempt);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return verdict_only(Verdict::Kind::kFail,
                        fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  AttemptResult r;
  r.dir = instance.dir;
  json sidecar;
  if (instance.host_only) {
    HostOnlyResult h = run_host_only_test(
        t, guest_spec(t, *ctx.catalog, instance.name), ctx.agent, dir,
        "-" + std::to_string(instance.replica) + "-" + std::to_string(instance.repetition));
    if (h.interrupted) r.interrupted = true;
    r.verdict = std::move(h.verdict);
    sidecar = std::move(h.sidecar);
    r.properties = {{"kernel", "host"}, {"accel", "host"}};
  } else {
    PreparedRequest p = prepare_request(instance, kernel, ctx.facts[instance.kernel_index],
                                        {.catalog = ctx.catalog, .accel = ctx.accel}, dir);
    if (!p.ok()) {
      r.verdict.kind = Verdict::Kind::kFail;
      r.verdict.reasons.push_back(p.error);
      return r;
    }
    VmResult vm = ctx.launcher->launch(p.request);
    r.interrupted = vm.outcome.reason == VmExitReason::kInterrupted;
    const RunRecord record = build_run_record(vm.outcome, p.spec,
                                              {.name = instance.name,
                                               .kernel = kernel.label,
                                               .accel = std::string(accel_name(ctx.accel)),
                                               .test = t.name,
                                               .spec_file = t.entity ? t.entity->pos.file : "",
                                               .spec_paths = ctx.spec_paths});
    r.verdict = evaluate(record, checks_from_spec(t));
    if (!vm.info.boot_retry.empty()) {
      // Shown with -v on a PASS; among the reasons when the retry failed too.
      if (r.verdict.kind == Verdict::Kind::kPass)
        r.verdict.notes.insert(r.verdict.notes.begin(), vm.info.boot_retry);
      else
        r.verdict.reasons.push_back(vm.info.boot_retry);
    }
    sidecar = {{"kernel", kernel.label},
               {"accel", accel_name(ctx.accel)},
               {"topology", p.spec.topology.str()},
               {"memory_mib", vm.info.memory_mib},
               {"initrd",
                {{"base_bytes", vm.info.initrd.base_bytes},
                 {"overlay_bytes", vm.info.initrd.overlay_bytes},
                 {"overlay_build_ms", vm.info.initrd.overlay_build_ms}}},
               {"outcome", to_json(vm.outcome)},
               {"record", record}};
    if (!vm.info.boot_retry.empty()) sidecar["boot_retry"] = vm.info.boot_retry;
    if (!vm.info.tcg_threads.empty()) sidecar["tcg_threads"] = vm.info.tcg_threads;
    r.properties = {{"kernel", kernel.label},
                    {"accel", std::string(accel_name(ctx.accel))},
                    {"topology", p.spec.topology.str()}};
    if (!instance.profile.empty()) r.properties.emplace_back("profile", instance.profile);
    if (!instance.preset.empty()) r.properties.emplace_back("preset", instance.preset);
    if (!vm.info.boot_retry.empty()) r.properties.emplace_back("boot_retry", "1");
  }
  if (r.interrupted) {
    // Nothing half-written stays: the instance is NOT-RUN and its files go.
    fs::remove_all(dir, ec);
    r.dir.clear();
    return r;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  sidecar["seconds"] = secs;
  add_instance_fields(sidecar, instance, attempt, r.verdict);
  if (std::string error = write_json_file(dir / "result.json", sidecar); !error.empty()) {
    // A verdict nobody can re-read (reeval, stats, merge) is not a PASS.
    r.verdict.kind = Verdict::Kind::kFail;
    r.verdict.reasons.push_back("the sidecar was not written: " + error);
  }
  return r;
}

}  // namespace ktstr
