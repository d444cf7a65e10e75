// The prepare pass of one instance: what the guest is asked to do (the
// GuestTestSpec the agent reads as /ktstr/test.json) and what the VM must
// carry (the guest files: test.json, plugin, scheduler binary, include
// files), as a backend-neutral VmRequest. No QEMU argv and no initrd here:
// the launcher backend builds those.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "guest/protocol/test_spec.h"
#include "plan/test_instance.h"
#include "runner/spec_catalog.h"
#include "runner/test_resolver.h"
#include "vmm/kernel_resolve.h"
#include "vmm/vm_request.h"

namespace ktstr {

/// The guest's view of test `t` (name is the instance's full name).
GuestTestSpec guest_spec(const ResolvedTest& t, const Catalog& catalog, const std::string& name);

/// The run-wide facts every instance's request shares.
struct RequestContext {
  const Catalog* catalog = nullptr;
  Accel accel = Accel::kTcg;
};

/// One instance, prepared.
struct PreparedRequest {
  GuestTestSpec spec;
  VmRequest request;
  /// Why it cannot run ("scheduler binary 'x' not found ..."): a FAIL before boot.
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Prepares `instance` on `kernel` into `dir`: the guest spec (with the
/// kernel's facts for sched_ext), the guest files and the VmRequest.
PreparedRequest prepare_request(const TestInstance& instance, const KernelInfo& kernel,
                                const KernelFacts& facts, const RequestContext& context,
                                const std::filesystem::path& dir);

}  // namespace ktstr
