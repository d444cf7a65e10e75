#include "vmm/qemu_vm_launcher.h"

#include <exception>
#include <filesystem>

#include "vmm/boot_retry.h"
#include "vmm/qemu_cmdline.h"

namespace ktstr {

namespace fs = std::filesystem;

namespace {

VmResult failed(VmResult& r, std::string detail) {
  r.outcome.reason = VmExitReason::kQemuFailed;
  r.outcome.detail = std::move(detail);
  return r;
}

}  // namespace

VmOutcome QemuVmLauncher::boot(const VmRequest& request, const QemuCommand& command) {
  if (registry_.interrupted()) {
    VmOutcome outcome;
    outcome.reason = VmExitReason::kInterrupted;
    outcome.detail = "interrupted before launch";
    return outcome;
  }
  VmRunSpec spec;
  spec.argv = command.argv;
  spec.endpoints = command.endpoints;
  spec.run_dir = request.run_dir;
  spec.timeouts = request.timeouts;
  spec.limits = limits_;
  spec.registry = &registry_;
  return supervise_vm(spec);
}

VmResult QemuVmLauncher::launch(const VmRequest& request) {
  VmResult r;
  VmConfig vm;
  vm.topology = request.topology;
  vm.memory_mib = memory_mib_for(request.topology, request.memory_mib);
  vm.accel = request.accel;
  vm.kernel = request.kernel;
  vm.initrd = request.run_dir / "initrd.img";
  vm.kargs = request.kargs;
  vm.channel = request.channel;
  vm.run_dir = request.run_dir;
  std::error_code cwd_error;  // none: socket paths stay absolute
  vm.working_dir = fs::current_path(cwd_error);
  vm.kaslr = request.kaslr;
  vm.tcg_single_thread = request.tcg_single_thread;
  vm.qemu_binary = qemu_binary_;
  r.info.memory_mib = vm.memory_mib;
  if (request.accel == Accel::kTcg) r.info.tcg_threads = vm.tcg_single_thread ? "single" : "multi";
  if (registry_.interrupted()) {
    r.outcome.reason = VmExitReason::kInterrupted;
    r.outcome.detail = "interrupted before launch";
    return r;
  }
  // The initrd is large and reproducible: it never outlives the call.
  struct RemoveInitrd {
    fs::path path;
    ~RemoveInitrd() {
      std::error_code ec;
      fs::remove(path, ec);
    }
  };
  try {
    // The command first: a shape QEMU cannot run costs no initrd.
    const QemuCommand command = build_qemu_command(vm);
    if (!command.ok()) return failed(r, "qemu: " + command.error);
    const InitramfsOverlay overlay = build_overlay(request.guest_files, base_);
    if (!overlay.ok()) return failed(r, overlay.error);  // "initramfs overlay: ..."
    RemoveInitrd remove_initrd{vm.initrd};
    r.info.initrd = write_initrd(base_, overlay, vm.initrd);
    if (!r.info.initrd.ok()) return failed(r, r.info.initrd.error);  // "initrd: ..."
    r.outcome = boot(request, command);
    // A TCG boot crash before the agent ran is QEMU's, not the test's: once more.
    if (request.accel == Accel::kTcg && crashed_before_agent(r.outcome)) {
      r.info.boot_retry = boot_retry_note(r.outcome);
      keep_attempt_logs(request.run_dir, 1);
      r.outcome = boot(request, command);
    }
    return r;
  } catch (const std::exception& e) {
    return failed(r, std::string("qemu: ") + e.what());
  }
}

}  // namespace ktstr
