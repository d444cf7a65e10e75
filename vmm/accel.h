// Choosing QEMU's accelerator: KVM when it can really run a guest, else TCG.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "vmm/vm_config.h"

namespace ktstr {

/// What probe_kvm() found.
struct KvmProbe {
  bool usable = false;
  std::string reason;  ///< why not (or what was checked), for logs and errors
};

/// Where probe_kvm() looks; tests point these at fakes.
struct KvmProbePaths {
  std::filesystem::path device = "/dev/kvm";
  std::filesystem::path cpuinfo = "/proc/cpuinfo";
  std::filesystem::path sys_module = "/sys/module";
};

/// Checks that KVM can run a stock kernel: `device` opens read-write,
/// KVM_GET_API_VERSION is 12, KVM_CREATE_VM succeeds, and the host CPU has
/// hardware virtualization (vmx/svm in cpuinfo). The last check matters: a
/// software KVM backend (kvm_pvm) passes the ioctls but cannot boot a stock
/// kernel under QEMU.
KvmProbe probe_kvm(const KvmProbePaths& paths = {});

/// The accelerator to use, or an error.
struct AccelChoice {
  Accel accel = Accel::kTcg;  ///< never kAuto
  std::string reason;         ///< e.g. "tcg (auto: /dev/kvm: ...)"; recorded in results
  std::string error;          ///< non-empty: requested kvm is unusable
  bool ok() const { return error.empty(); }
};

/// Resolves --accel: kAuto picks KVM when `kvm.usable`, else TCG; kKvm when
/// unusable is an error carrying kvm.reason; kTcg is always fine.
AccelChoice resolve_accel(Accel requested, const KvmProbe& kvm);

/// Probes KVM (only if needed) and resolves `requested`.
AccelChoice resolve_accel(Accel requested);

/// "auto" | "kvm" | "tcg".
std::string_view accel_name(Accel accel);

/// Parses an --accel value; false for anything but auto, kvm or tcg.
bool parse_accel(std::string_view text, Accel* out);

}  // namespace ktstr
