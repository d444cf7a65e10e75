// KernelMemory and the watchdog override against a plain file standing in for
// /dev/mem, laid out as the kernel image would be in physical memory.
#include "guest/watchdog_override.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "fake_sysfs.h"
#include "guest/kernel_memory.h"

namespace ktstr {
namespace {

using testing::TempDir;
using testing::write_file;

constexpr std::uint64_t kText = 0xffffffff81000000ull;
constexpr std::uint64_t kPhys = 0x1000;  // "Kernel code" start in the fake memory file
constexpr std::uint64_t kBanner = kText + 0x100;
constexpr std::uint64_t kTimeout = kText + 0x200;
constexpr std::uint64_t kStamp = kText + 0x208;

class FakeMemory {
 public:
  FakeMemory() {
    mem_ = dir_.path() / "mem";
    iomem_ = dir_.path() / "iomem";
    std::ofstream(mem_, std::ios::binary) << std::string(0x2000, '\0');
    write_file(iomem_,
               "00000000-00000fff : Reserved\n"
               "00100000-7ffdffff : System RAM\n"
               "  00001000-01c01b76 : Kernel code\n"
               "  01e00000-0237dfff : Kernel rodata\n");
    put(kBanner, "Linux version 6.12.117 (root@host) #1 SMP\n");
  }
  void put(std::uint64_t vaddr, const std::string& bytes) {
    std::fstream f(mem_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(vaddr - kText + kPhys));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  void put_u64(std::uint64_t vaddr, std::uint64_t v) {
    std::string b(8, '\0');
    std::memcpy(b.data(), &v, 8);
    put(vaddr, b);
  }
  std::uint64_t get_u64(std::uint64_t vaddr) const {
    std::ifstream f(mem_, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(vaddr - kText + kPhys));
    std::uint64_t v = 0;
    f.read(reinterpret_cast<char*>(&v), 8);
    return v;
  }
  static KernelSymbols symbols() {
    return {{"_text", kText},
            {"linux_banner", kBanner},
            {"scx_watchdog_timeout", kTimeout},
            {"scx_watchdog_timestamp", kStamp}};
  }
  std::optional<KernelMemory> open(std::string& err, const std::string& release = "6.12.117",
                                   KernelSymbols sym = symbols()) const {
    return KernelMemory::open(mem_, iomem_, sym, release, err);
  }
  TempDir dir_;
  std::filesystem::path mem_, iomem_;
};

TEST(KernelMemory, FindsKernelCodeInIomem) {
  EXPECT_EQ(iomem_kernel_code_start("  01000000-01c01b76 : Kernel code\n"), 0x1000000u);
  EXPECT_EQ(iomem_kernel_code_start("00100000-7ffdffff : System RAM\n"
                                    "  02a00000-03601b76 : Kernel code\n"),
            0x2a00000u);
  EXPECT_FALSE(iomem_kernel_code_start(""));
  EXPECT_FALSE(iomem_kernel_code_start("00100000-7ffdffff : System RAM\n"));
  EXPECT_FALSE(iomem_kernel_code_start("zz-yy : Kernel code\n"));
  EXPECT_FALSE(iomem_kernel_code_start(" : Kernel code\n"));
  EXPECT_FALSE(iomem_kernel_code_start("11112222333344445555-6 : Kernel code\n"));
  EXPECT_EQ(iomem_kernel_code_start("00000000-00000000 : Kernel code\n"), 0u);  // not root
}

TEST(KernelMemory, TranslatesChecksTheBannerAndReadsWrites) {
  FakeMemory m;
  std::string err;
  auto km = m.open(err);
  ASSERT_TRUE(km) << err;
  EXPECT_EQ(km->physical(kTimeout), kPhys + 0x200);
  ASSERT_TRUE(km->write_u64(kTimeout, 1250, err)) << err;
  EXPECT_EQ(m.get_u64(kTimeout), 1250u);
  std::uint64_t v = 0;
  ASSERT_TRUE(km->read_u64(kTimeout, v, err)) << err;
  EXPECT_EQ(v, 1250u);
  EXPECT_FALSE(km->read_u64(kText - 8, v, err));
  EXPECT_NE(err.find("below _text"), std::string::npos) << err;
  EXPECT_FALSE(km->read_u64(kText + 0x100000, v, err));  // past the end of the "memory"
  EXPECT_NE(err.find("short read"), std::string::npos) << err;
}

TEST(KernelMemory, RefusesAMismatchedSystemMap) {
  FakeMemory m;
  std::string err;
  EXPECT_FALSE(m.open(err, "6.1.0-28-cloud-amd64"));
  EXPECT_NE(err.find("does not match the running kernel"), std::string::npos) << err;
  EXPECT_NE(err.find("Linux version 6.1.0"), std::string::npos) << err;
  m.put(kBanner, std::string("\x01\x02garbage\xff\xfe and more bytes here", 30));
  EXPECT_FALSE(m.open(err));
  EXPECT_NE(err.find("does not match"), std::string::npos) << err;
}

TEST(KernelMemory, NamesWhatIsMissing) {
  FakeMemory m;
  std::string err;
  auto sym = FakeMemory::symbols();
  sym.erase("_text");
  EXPECT_FALSE(m.open(err, "6.12.117", sym));
  EXPECT_NE(err.find("_text"), std::string::npos) << err;

  write_file(m.iomem_, "00100000-7ffdffff : System RAM\n");
  EXPECT_FALSE(m.open(err));
  EXPECT_NE(err.find("Kernel code"), std::string::npos) << err;

  write_file(m.iomem_, "  00000000-00000000 : Kernel code\n");
  EXPECT_FALSE(m.open(err));
  EXPECT_NE(err.find("not root"), std::string::npos) << err;

  write_file(m.iomem_, "  00001000-01c01b76 : Kernel code\n");
  std::filesystem::remove(m.mem_);
  EXPECT_FALSE(m.open(err));
  EXPECT_NE(err.find("STRICT_DEVMEM"), std::string::npos) << err;
}

TEST(WatchdogOverride, JiffiesRoundUpLikeTheKernel) {
  EXPECT_EQ(watchdog_jiffies(2, 250), 500u);
  EXPECT_EQ(watchdog_jiffies(4, 1000), 4000u);
  EXPECT_EQ(watchdog_jiffies(0.001, 250), 1u);
  EXPECT_EQ(watchdog_jiffies(0.0041, 250), 2u);  // 5 ms -> 1.25 jiffies -> 2
  EXPECT_EQ(watchdog_jiffies(1.5, 100), 150u);
}

TEST(WatchdogOverride, LoweringMovesTheCheckIn) {
  FakeMemory m;
  m.put_u64(kTimeout, 1250);  // scx_qmap: 5 s at HZ 250
  m.put_u64(kStamp, 4294892296ull);
  std::string err;
  auto km = m.open(err);
  ASSERT_TRUE(km) << err;
  WatchdogOverride w = apply_watchdog_override(*km, FakeMemory::symbols(), 2, 250);
  ASSERT_TRUE(w.applied) << w.error;
  EXPECT_EQ(m.get_u64(kTimeout), 500u);
  EXPECT_EQ(m.get_u64(kStamp), 4294892296ull + 625);
  EXPECT_TRUE(w.moved_check_in);
  auto j = w.to_json();
  EXPECT_EQ(j["jiffies"], 500);
  EXPECT_EQ(j["scheduler_jiffies"], 1250);
  EXPECT_DOUBLE_EQ(j["scheduler_s"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(j["first_check_s"].get<double>(), 2.5);
}

TEST(WatchdogOverride, RaisingLeavesTheCheckIn) {
  FakeMemory m;
  m.put_u64(kTimeout, 1250);
  m.put_u64(kStamp, 77);
  std::string err;
  auto km = m.open(err);
  ASSERT_TRUE(km) << err;
  WatchdogOverride w = apply_watchdog_override(*km, FakeMemory::symbols(), 8, 250);
  ASSERT_TRUE(w.applied) << w.error;
  EXPECT_EQ(m.get_u64(kTimeout), 2000u);
  EXPECT_EQ(m.get_u64(kStamp), 77u);
  EXPECT_FALSE(w.moved_check_in);
}

TEST(WatchdogOverride, ExplainsWhyItCannot) {
  FakeMemory m;
  std::string err;
  auto km = m.open(err);
  ASSERT_TRUE(km) << err;
  // Nothing attached: the kernel's value is 0.
  WatchdogOverride w = apply_watchdog_override(*km, FakeMemory::symbols(), 2, 250);
  EXPECT_FALSE(w.applied);
  EXPECT_NE(w.error.find("attached"), std::string::npos) << w.error;
  EXPECT_EQ(w.to_json()["applied"], false);
  EXPECT_EQ(w.to_json()["error"], w.error);

  m.put_u64(kTimeout, 1250);
  w = apply_watchdog_override(*km, FakeMemory::symbols(), 2, 0);
  EXPECT_NE(w.error.find("CONFIG_HZ"), std::string::npos) << w.error;

  auto sym = FakeMemory::symbols();
  sym.erase("scx_watchdog_timestamp");
  w = apply_watchdog_override(*km, sym, 2, 250);
  EXPECT_NE(w.error.find("scx_watchdog_timestamp"), std::string::npos) << w.error;
  EXPECT_EQ(m.get_u64(kTimeout), 1250u);  // untouched
}

}  // namespace
}  // namespace ktstr
