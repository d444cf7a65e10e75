// kernel_build against a fake kernel tree: a Makefile that imitates kbuild's
// targets and output, and a merge_config.sh, so the whole pipeline (key,
// configure, verify, build, install, idempotence, interruption) runs in ms.
#include "vmm/kernel_build.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "tests/unit/vmm/kernel_test_util.h"
#include "vmm/kernel_image_check.h"
#include "vmm/kernel_subprocess.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using testing::ScopedEnv;
using testing::TempDir;
using testing::write_file;

constexpr const char* kFakeMakefile = R"(OUT := $(if $(O),$(O),$(CURDIR))
.PHONY: allnoconfig olddefconfig bzImage
allnoconfig:
	@mkdir -p $(OUT)
	@printf 'CONFIG_64BIT=y\n' > $(OUT)/.config
olddefconfig:
	@sed -i '/CONFIG_DROPPED/d' $(OUT)/.config
bzImage:
	@echo "  CC      kernel/sched/core.o"
	@echo "  CC      kernel/sched/ext.o"
	@echo "  LD      vmlinux"
	@if [ -n "$$FAKE_STARTED" ]; then touch "$$FAKE_STARTED"; fi
	@sleep $${FAKE_SLEEP:-0}
	@mkdir -p $(OUT)/arch/x86/boot $(OUT)/include/config
	@{ head -c 497 /dev/zero; printf '\001\000\000\004\000\000\000\000\000\000\000\000\000\125\252\000\000HdrS'; head -c 570 /dev/zero; } > $(OUT)/arch/x86/boot/bzImage
	@echo map > $(OUT)/System.map
	@cp /bin/true $(OUT)/vmlinux
	@echo 6.12.999 > $(OUT)/include/config/kernel.release
)";

constexpr const char* kFakeMerge = R"(#!/bin/sh
# merge_config.sh -m [-O dir] BASE FRAGMENT: append the fragment.
shift
if [ "$1" = -O ]; then shift 2; fi
cat "$2" >> "$1"
)";

class KernelBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_ = tmp_.path() / "linux";
    write_file(tree_ / "Makefile", kFakeMakefile);
    write_file(tree_ / "Kconfig", "config DROPPED\n\tbool \"x\"\n\tdepends on NEEDED_THING\n");
    write_file(tree_ / "scripts/kconfig/merge_config.sh", kFakeMerge);
    fs::permissions(tree_ / "scripts/kconfig/merge_config.sh", fs::perms::owner_all);
    git("init -q");
    git("add -A");
    git("-c user.email=t@t -c user.name=t commit -qm init");
    fragment_ = tmp_.path() / "frag.config";
    write_file(fragment_,
               "# the class\nCONFIG_SCHED_CLASS_EXT=y\n# virtio\nCONFIG_VIRTIO_CONSOLE=y\n");
    options_.source = tree_.string();
    options_.fragment = fragment_;
    options_.cache_root = tmp_.path() / "cache" / "kernels";
    options_.jobs = 1;
    options_.required_tools = {"make", "git", "sed"};
  }

  void git(const std::string& args) {
    ASSERT_EQ(std::system(("git -C " + tree_.string() + " " + args).c_str()), 0) << args;
  }

  std::string git_status() {
    const auto r = run_process({"git", "-C", tree_.string(), "status", "--porcelain"});
    return r.output;
  }

  TempDir tmp_;
  fs::path tree_, fragment_;
  KernelBuildOptions options_;
};

TEST_F(KernelBuild, BuildsAnEntryWithoutTouchingACleanTree) {
  std::ostringstream out;
  options_.out = &out;
  const auto r = build_kernel(options_);
  ASSERT_TRUE(r.ok()) << r.error << "\n" << out.str();
  EXPECT_FALSE(r.cached);
  const auto& m = r.entry.meta;
  EXPECT_EQ(m.label.rfind("6.12.999-scx-", 0), 0u) << m.label;
  EXPECT_EQ(m.kind, "built");
  EXPECT_EQ(m.source, "tree:" + tree_.string());
  EXPECT_EQ(m.commit.size(), 40u);
  EXPECT_FALSE(m.dirty);
  EXPECT_EQ(m.key.size(), 64u);
  EXPECT_EQ(m.config_hash.size(), 64u);
  EXPECT_TRUE(m.sched_ext);
  EXPECT_EQ(m.virtio_console, "y");
  for (const char* f : {"bzImage", "System.map", "config", "vmlinux", "metadata.json"})
    EXPECT_TRUE(fs::exists(r.entry.dir / f)) << f;
  EXPECT_EQ(git_status(), "") << "the user's tree was modified";
  EXPECT_TRUE(fs::exists(r.log));
  EXPECT_NE(out.str().find("is clean: it is only read"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("kernel: done"), std::string::npos) << out.str();
}

TEST_F(KernelBuild, SameInputsReturnTheEntryAtOnce) {
  const auto first = build_kernel(options_);
  ASSERT_TRUE(first.ok()) << first.error;
  options_.source = tree_.string() + "/";  // same tree, spelled differently
  const auto second = build_kernel(options_);
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_TRUE(second.cached);
  EXPECT_EQ(second.entry.meta.label, first.entry.meta.label);
}

// `kernel build` is the fix a broken built entry prints: it must rebuild and
// replace the entry rather than return it as cached (issue 14).
TEST_F(KernelBuild, ABrokenEntryIsRebuiltNotReturnedAsCached) {
  const auto first = build_kernel(options_);
  ASSERT_TRUE(first.ok()) << first.error;
  fs::resize_file(first.entry.dir / "bzImage", 0);
  const auto second = build_kernel(options_);
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_FALSE(second.cached);
  EXPECT_EQ(second.entry.meta.label, first.entry.meta.label);
  EXPECT_EQ(verify_kernel_entry(*find_kernel(first.entry.meta.label, options_.cache_root)).state,
            ImageCheck::State::kOk);
}

TEST_F(KernelBuild, FragmentOrTreeChangesMakeANewEntry) {
  const auto a = build_kernel(options_);
  write_file(fragment_, "CONFIG_SCHED_CLASS_EXT=y\n");
  const auto b = build_kernel(options_);
  ASSERT_TRUE(b.ok()) << b.error;
  EXPECT_FALSE(b.cached);
  EXPECT_NE(a.entry.meta.key, b.entry.meta.key);
  write_file(tree_ / "Kconfig", "config DROPPED\n\tbool \"y\"\n");  // uncommitted change
  const auto c = build_kernel(options_);
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_FALSE(c.cached);
  EXPECT_TRUE(c.entry.meta.dirty);
  EXPECT_NE(c.entry.meta.key, b.entry.meta.key);
  EXPECT_EQ(list_kernels(options_.cache_root).size(), 3u);
}

TEST_F(KernelBuild, LostOptionIsNamedWithItsDependency) {
  write_file(fragment_, "CONFIG_SCHED_CLASS_EXT=y\n# reason\nCONFIG_DROPPED=y\n");
  const auto r = build_kernel(options_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("CONFIG_DROPPED=y (got n"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("DROPPED needs NEEDED_THING"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find(r.log.string()), std::string::npos) << r.error;
  EXPECT_TRUE(list_kernels(options_.cache_root).empty());
}

TEST_F(KernelBuild, InterruptLeavesNoEntry) {
  const auto started = tmp_.path() / "started";
  ScopedEnv s1("FAKE_SLEEP", "30");
  ScopedEnv s2("FAKE_STARTED", started.string());
  std::thread killer([&] {
    for (int i = 0; i < 200 && !fs::exists(started); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::kill(::getpid(), SIGINT);
  });
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = build_kernel(options_);
  killer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(15));
  EXPECT_TRUE(r.interrupted);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(list_kernels(options_.cache_root).empty());
  for (const auto& d : fs::directory_iterator(options_.cache_root))
    EXPECT_NE(d.path().filename().string().rfind(".tmp-", 0), 0u) << d.path();
}

TEST_F(KernelBuild, TreeWithBuildOutputNeedsConsent) {
  write_file(tree_ / ".config", "CONFIG_64BIT=y\n");
  auto r = build_kernel(options_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("make mrproper"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("--in-tree"), std::string::npos) << r.error;
  options_.in_tree = true;
  r = build_kernel(options_);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(fs::exists(tree_ / "arch/x86/boot/bzImage"));
}

TEST_F(KernelBuild, RejectsNonKernelSourcesAndMissingFragment) {
  options_.source = tmp_.path().string();
  auto r = build_kernel(options_);
  EXPECT_NE(r.error.find("not a kernel source tree"), std::string::npos) << r.error;
  options_.source = tree_.string();
  options_.fragment = tmp_.path() / "missing.config";
  r = build_kernel(options_);
  EXPECT_NE(r.error.find("missing.config"), std::string::npos) << r.error;
}

TEST(KernelBuildKey, DependsOnEveryInput) {
  const KernelBuildInputs base{"debian-source:linux-source-6.12=1", "allnoconfig", "CONFIG_A=y\n",
                               "gcc=12"};
  const auto k = kernel_build_key(base);
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k, kernel_build_key(base));
  auto v = base;
  v.fragment_text += "CONFIG_B=y\n";
  EXPECT_NE(kernel_build_key(v), k);
  v = base;
  v.source_identity += "+dirty";
  EXPECT_NE(kernel_build_key(v), k);
  v = base;
  v.toolchain = "gcc=13";
  EXPECT_NE(kernel_build_key(v), k);
  EXPECT_EQ(built_kernel_label("6.12.117", k, true), "6.12.117-scx-" + k.substr(0, 8));
  EXPECT_EQ(built_kernel_label("6.12.117", k, false), "6.12.117-custom-" + k.substr(0, 8));
}

TEST(KernelBuildProgress, CountsCompileStepsAndEstimates) {
  using namespace std::chrono;
  BuildProgress p(100);
  const auto t0 = steady_clock::now();
  p.set_phase("kernel", t0);
  EXPECT_TRUE(p.feed("  CC      kernel/sched/core.o"));
  EXPECT_TRUE(p.feed("  AS      arch/x86/entry/entry_64.o"));
  EXPECT_FALSE(p.feed("  LD      vmlinux"));
  EXPECT_FALSE(p.feed("In file included from x.c:1:"));
  for (int i = 0; i < 48; ++i) p.feed("  CC      f.o");
  EXPECT_EQ(p.steps(), 50);
  EXPECT_EQ(p.render(t0 + seconds(100)), "kernel: 50/~100 files, 1m40s, ~1m40s left");
  p.set_phase("schedulers", t0);
  EXPECT_EQ(p.render(t0 + seconds(5)), "schedulers: 0 files, 5s");
  BuildProgress incremental(0);
  incremental.set_phase("kernel", t0);
  EXPECT_EQ(incremental.render(t0 + seconds(41)),
            "kernel: 0 files, 41s (incremental: only what changed)");
  EXPECT_EQ(format_duration(59.4), "59s");
  EXPECT_EQ(format_duration(605), "10m05s");
}

}  // namespace
}  // namespace ktstr
