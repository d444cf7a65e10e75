// Accelerator resolution and names; the KVM probe itself is in accel_kvm.cc.
#include "vmm/accel.h"

namespace ktstr {

AccelChoice resolve_accel(Accel requested, const KvmProbe& kvm) {
  AccelChoice out;
  switch (requested) {
    case Accel::kTcg:
      out.accel = Accel::kTcg;
      out.reason = "tcg (requested)";
      break;
    case Accel::kKvm:
      if (kvm.usable) {
        out.accel = Accel::kKvm;
        out.reason = "kvm (requested)";
      } else {
        out.error = "--accel kvm: KVM is not usable: " + kvm.reason + " (use --accel tcg or auto)";
      }
      break;
    case Accel::kAuto:
      out.accel = kvm.usable ? Accel::kKvm : Accel::kTcg;
      out.reason = kvm.usable ? "kvm (auto)" : "tcg (auto: " + kvm.reason + ")";
      break;
  }
  return out;
}

AccelChoice resolve_accel(Accel requested) {
  if (requested == Accel::kTcg) return resolve_accel(requested, KvmProbe{});
  return resolve_accel(requested, probe_kvm());
}

std::string_view accel_name(Accel accel) {
  switch (accel) {
    case Accel::kAuto:
      return "auto";
    case Accel::kKvm:
      return "kvm";
    case Accel::kTcg:
      return "tcg";
  }
  return "?";
}

bool parse_accel(std::string_view text, Accel* out) {
  for (Accel a : {Accel::kAuto, Accel::kKvm, Accel::kTcg}) {
    if (text == accel_name(a)) {
      *out = a;
      return true;
    }
  }
  return false;
}

}  // namespace ktstr
