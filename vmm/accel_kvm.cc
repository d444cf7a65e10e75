// The KVM probe. Measured on our build machines: /dev/kvm exists, opens
// read-write, reports API version 12, creates a VM and even runs a few
// real-mode instructions, yet QEMU cannot boot a stock kernel with it
// ("failed to set MSR 0x10a" with -cpu max; "KVM internal error. Suberror: 1 /
// emulation failure" with -cpu host). The backend there is kvm_pvm, a software
// (page-table based) KVM without VMX/SVM. So besides the ioctls we require the
// hardware virtualization flag, which any VMX/SVM-backed KVM host (nested
// included) shows in /proc/cpuinfo.
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "vmm/accel.h"

namespace ktstr {
namespace {

// Owns one fd.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// True when a "flags" line of cpuinfo lists vmx or svm.
bool cpu_has_hw_virt(const std::filesystem::path& cpuinfo) {
  std::ifstream in(cpuinfo);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("flags")) continue;
    std::istringstream words(
        line.substr(line.find(':') == std::string::npos ? line.size() : line.find(':') + 1));
    std::string w;
    while (words >> w) {
      if (w == "vmx" || w == "svm") return true;
    }
    return false;  // all CPUs list the same flags
  }
  return false;
}

}  // namespace

KvmProbe probe_kvm(const KvmProbePaths& paths) {
  KvmProbe out;
  const std::string dev = paths.device.string();
  Fd kvm(::open(dev.c_str(), O_RDWR | O_CLOEXEC));
  if (kvm.get() < 0) {
    out.reason = dev + ": cannot open read-write: " + std::strerror(errno);
    return out;
  }
  const int version = ::ioctl(kvm.get(), KVM_GET_API_VERSION, 0);
  if (version != KVM_API_VERSION) {
    out.reason = dev + ": KVM_GET_API_VERSION returned " + std::to_string(version) +
                 (version < 0 ? std::string(" (") + std::strerror(errno) + ")" : "") +
                 ", expected " + std::to_string(KVM_API_VERSION);
    return out;
  }
  Fd vm(::ioctl(kvm.get(), KVM_CREATE_VM, 0));
  if (vm.get() < 0) {
    out.reason = dev + ": KVM_CREATE_VM failed: " + std::strerror(errno);
    return out;
  }
  if (!cpu_has_hw_virt(paths.cpuinfo)) {
    out.reason = dev + " works, but the CPU has no hardware virtualization (no vmx/svm in " +
                 paths.cpuinfo.string() + ")";
    std::error_code ec;
    if (std::filesystem::exists(paths.sys_module / "kvm_pvm", ec)) {
      out.reason += "; the KVM backend is kvm_pvm, which cannot boot a stock kernel";
    }
    return out;
  }
  out.usable = true;
  out.reason = dev + ": API 12, VM created, hardware virtualization present";
  return out;
}

}  // namespace ktstr
