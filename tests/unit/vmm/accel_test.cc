#include "vmm/accel.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace ktstr {
namespace {

TEST(ResolveAccel, AutoPicksKvmOnlyWhenUsable) {
  AccelChoice c = resolve_accel(Accel::kAuto, KvmProbe{.usable = true, .reason = "ok"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.accel, Accel::kKvm);

  c = resolve_accel(Accel::kAuto, KvmProbe{.usable = false, .reason = "/dev/kvm: gone"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.accel, Accel::kTcg);
  EXPECT_EQ(c.reason, "tcg (auto: /dev/kvm: gone)");
}

TEST(ResolveAccel, ExplicitKvmWhenUnusableIsAnErrorWithTheReason) {
  AccelChoice c = resolve_accel(Accel::kKvm, KvmProbe{.usable = false, .reason = "no vmx"});
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.error.find("--accel kvm"), std::string::npos);
  EXPECT_NE(c.error.find("no vmx"), std::string::npos);

  c = resolve_accel(Accel::kKvm, KvmProbe{.usable = true});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.accel, Accel::kKvm);
}

TEST(ResolveAccel, TcgIsAlwaysFineAndNeedsNoProbe) {
  AccelChoice c = resolve_accel(Accel::kTcg);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.accel, Accel::kTcg);
  EXPECT_EQ(c.reason, "tcg (requested)");
}

TEST(AccelName, ParsesAndPrints) {
  for (Accel a : {Accel::kAuto, Accel::kKvm, Accel::kTcg}) {
    Accel parsed = Accel::kAuto;
    ASSERT_TRUE(parse_accel(accel_name(a), &parsed));
    EXPECT_EQ(parsed, a);
  }
  Accel parsed = Accel::kTcg;
  EXPECT_FALSE(parse_accel("KVM", &parsed));
  EXPECT_FALSE(parse_accel("hvf", &parsed));
  EXPECT_FALSE(parse_accel("", &parsed));
}

TEST(ProbeKvm, MissingDevice) {
  KvmProbe p = probe_kvm({.device = "/nonexistent/kvm"});
  EXPECT_FALSE(p.usable);
  EXPECT_NE(p.reason.find("/nonexistent/kvm: cannot open read-write: No such file"),
            std::string::npos)
      << p.reason;
}

TEST(ProbeKvm, DeviceThatIsNotKvm) {
  KvmProbe p = probe_kvm({.device = "/dev/null"});
  EXPECT_FALSE(p.usable);
  EXPECT_NE(p.reason.find("KVM_GET_API_VERSION returned -1"), std::string::npos) << p.reason;
}

// The cpuinfo check only runs after the ioctls succeed, so it needs a KVM device
// that at least creates VMs (our build machines have one: kvm_pvm).
class ProbeKvmCpuFlags : public ::testing::Test {
 protected:
  void SetUp() override {
    const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) GTEST_SKIP() << "/dev/kvm cannot be opened read-write here";
    ::close(fd);
    char tmpl[] = "/tmp/ktstr-cpuinfo-XXXXXX";
    const int t = ::mkstemp(tmpl);
    ASSERT_GE(t, 0);
    ::close(t);
    path_ = tmpl;
  }
  void TearDown() override {
    if (!path_.empty()) std::filesystem::remove(path_);
  }
  void write(const std::string& text) { std::ofstream(path_) << text; }
  std::filesystem::path path_;
};

TEST_F(ProbeKvmCpuFlags, NoHardwareVirtualizationIsUnusable) {
  write("processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor avx2\n");
  KvmProbe p = probe_kvm({.cpuinfo = path_});
  if (p.reason.find("KVM_CREATE_VM failed") != std::string::npos) GTEST_SKIP() << p.reason;
  EXPECT_FALSE(p.usable);
  EXPECT_NE(p.reason.find("no hardware virtualization"), std::string::npos) << p.reason;
}

TEST_F(ProbeKvmCpuFlags, VmxOrSvmMakesItUsable) {
  for (const char* flag : {"vmx", "svm"}) {
    write(std::string("flags\t\t: fpu ") + flag + " sse2\n");
    KvmProbe p = probe_kvm({.cpuinfo = path_});
    if (p.reason.find("KVM_CREATE_VM failed") != std::string::npos) GTEST_SKIP() << p.reason;
    EXPECT_TRUE(p.usable) << p.reason;
  }
}

}  // namespace
}  // namespace ktstr
