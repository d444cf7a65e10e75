#include "vmm/kernel_resolve.h"

#include <gtest/gtest.h>

#include "tests/unit/vmm/kernel_test_util.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

class KernelResolve : public ::testing::Test {
 protected:
  void SetUp() override { root_ = tmp_.path() / "kernels"; }

  void add_entry(const std::string& label, bool scx, const std::string& kind,
                 const std::string& built_at) {
    std::string error;
    const auto staging = make_staging_dir(label, &error, root_);
    write_file(*staging / "bzImage", testing::fake_bzimage());
    write_file(*staging / "config", "CONFIG_VIRTIO_CONSOLE=y\n");
    KernelMetadata m;
    m.label = label;
    m.version = "6.12.117";
    m.kind = kind;
    m.sched_ext = scx;
    m.virtio_console = "y";
    m.built_at = built_at;
    ASSERT_TRUE(install_entry(*staging, m, root_).ok());
  }

  fs::path make_image(const std::string& config) {
    const auto dir = tmp_.path() / "user";
    write_file(dir / "bzImage", testing::fake_bzimage());
    write_file(dir / "config", config);
    return dir / "bzImage";
  }

  TempDir tmp_;
  fs::path root_;
};

TEST_F(KernelResolve, EmptyCacheTellsHowToGetAKernel) {
  const auto r = resolve_kernels({}, nullptr, {}, {}, root_);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("ktstr-run kernel fetch"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("ktstr-run kernel build"), std::string::npos) << r.error;
}

TEST_F(KernelResolve, DefaultIsNewestSchedExtElsePrebuilt) {
  add_entry("6.12.117-cloud", false, "prebuilt", "2026-01-02T00:00:00Z");
  auto r = resolve_kernels({}, nullptr, {}, {}, root_);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.origin, "cache default");
  EXPECT_EQ(r.kernels[0].label, "6.12.117-cloud");
  add_entry("6.12.117-scx-11111111", true, "built", "2026-01-01T00:00:00Z");
  r = resolve_kernels({}, nullptr, {}, {}, root_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.kernels[0].label, "6.12.117-scx-11111111");
  EXPECT_TRUE(r.kernels[0].sched_ext);
}

TEST_F(KernelResolve, PrecedenceCliThenEnvThenProject) {
  add_entry("a", false, "prebuilt", "1");
  add_entry("b", false, "prebuilt", "1");
  add_entry("c", false, "prebuilt", "1");
  auto r = resolve_kernels({"a"}, "b", {"c"}, {}, root_);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.origin, "--kernel");
  EXPECT_EQ(r.kernels[0].label, "a");
  r = resolve_kernels({}, "b", {"c"}, {}, root_);
  EXPECT_EQ(r.origin, "KTSTR_KERNEL");
  EXPECT_EQ(r.kernels[0].label, "b");
  r = resolve_kernels({}, "", {"c"}, {}, root_);
  EXPECT_EQ(r.origin, "ktstr.toml");
  EXPECT_EQ(r.kernels[0].label, "c");
}

TEST_F(KernelResolve, SeveralKernelsKeepOrderAndDropDuplicates) {
  add_entry("a", false, "prebuilt", "1");
  add_entry("b", true, "built", "1");
  const auto r = resolve_kernels({"b", "a", "b"}, nullptr, {}, {}, root_);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.kernels.size(), 2u);
  EXPECT_EQ(r.kernels[0].label, "b");
  EXPECT_EQ(r.kernels[1].label, "a");
  const auto env = resolve_kernels({}, "a, b", {}, {}, root_);
  EXPECT_EQ(env.kernels.size(), 2u);
}

TEST_F(KernelResolve, UnknownLabelListsWhatIsCached) {
  add_entry("6.12.117-cloud", false, "prebuilt", "1");
  const auto r = resolve_kernels({"nope"}, nullptr, {}, {}, root_);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("'nope'"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("6.12.117-cloud"), std::string::npos) << r.error;
}

TEST_F(KernelResolve, ImageWithNeighbourConfig) {
  const auto image = make_image("CONFIG_SCHED_CLASS_EXT=y\nCONFIG_VIRTIO_CONSOLE=m\n");
  const auto r = resolve_kernels({image.string()}, nullptr, {}, {}, root_);
  ASSERT_TRUE(r.ok()) << r.error;
  const auto& k = r.kernels[0];
  EXPECT_EQ(k.image, image);
  EXPECT_TRUE(k.config_known);
  EXPECT_TRUE(k.sched_ext);
  EXPECT_EQ(k.virtio_console, Tristate::kModule);
  ASSERT_FALSE(k.notes.empty());
  EXPECT_NE(k.notes[0].find("serial channel"), std::string::npos);
}

TEST_F(KernelResolve, DebianBootLayout) {
  const auto boot = tmp_.path() / "boot";
  write_file(boot / "vmlinuz-6.12.117+deb12-cloud-amd64", testing::fake_bzimage());
  write_file(boot / "config-6.12.117+deb12-cloud-amd64", "CONFIG_VIRTIO_CONSOLE=y\n");
  write_file(boot / "System.map-6.12.117+deb12-cloud-amd64", "ffffffff81000000 T _text\n");
  std::string error;
  const auto k = describe_user_kernel(boot / "vmlinuz-6.12.117+deb12-cloud-amd64", &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(k.version, "6.12.117");
  EXPECT_TRUE(k.virtio_console_builtin());
  EXPECT_FALSE(k.sched_ext);
  EXPECT_EQ(k.system_map.filename(), "System.map-6.12.117+deb12-cloud-amd64");
}

TEST_F(KernelResolve, BuiltTree) {
  const auto tree = tmp_.path() / "linux";
  write_file(tree / "arch/x86/boot/bzImage", testing::fake_bzimage());
  write_file(tree / ".config", "CONFIG_SCHED_CLASS_EXT=y\nCONFIG_VIRTIO_CONSOLE=y\n");
  write_file(tree / "vmlinux", "elf");
  write_file(tree / "System.map", "map");
  write_file(tree / "include/config/kernel.release", "6.13.0-rc1\n");
  write_file(tree / "tools/sched_ext/build/bin/scx_simple", "bin");
  for (const auto& arg : {tree, tree / "arch/x86/boot/bzImage"}) {
    std::string error;
    const auto k = describe_user_kernel(arg, &error);
    ASSERT_EQ(error, "") << arg;
    EXPECT_EQ(k.config, tree / ".config");
    EXPECT_EQ(k.vmlinux, tree / "vmlinux");
    EXPECT_EQ(k.sched_dir, tree / "tools/sched_ext/build/bin");
    EXPECT_EQ(k.version, "6.13.0");
    EXPECT_TRUE(k.sched_ext);
  }
}

TEST_F(KernelResolve, ImageWithoutConfigAssumesNoFeaturesAndSaysSo) {
  const auto dir = tmp_.path() / "bare";
  write_file(dir / "bzImage", testing::fake_bzimage());
  std::string error;
  const auto k = describe_user_kernel(dir / "bzImage", &error);
  EXPECT_EQ(error, "");
  EXPECT_FALSE(k.config_known);
  EXPECT_FALSE(k.sched_ext);
  ASSERT_FALSE(k.notes.empty());
  EXPECT_NE(k.notes[0].find("no config found"), std::string::npos);
}

TEST_F(KernelResolve, ProjectPathsAreRelativeToTheProjectFile) {
  const auto image = make_image("CONFIG_VIRTIO_CONSOLE=y\n");
  const auto r = resolve_kernels({}, nullptr, {"user/bzImage"}, tmp_.path(), root_);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(fs::weakly_canonical(r.kernels[0].image), fs::weakly_canonical(image));
}

TEST_F(KernelResolve, MissingPathIsAnError) {
  const auto r = resolve_kernels({"/no/such/bzImage"}, nullptr, {}, {}, root_);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("/no/such/bzImage"), std::string::npos);
}

TEST(KernelDimension, NamesAreUniqueAndReadable) {
  KernelInfo pre, scx, scx2;
  pre.label = "6.12.117-cloud";
  pre.version = "6.12.117";
  scx.label = "6.12.117-scx-1a2b3c4d";
  scx.version = "6.12.117";
  scx.sched_ext = true;
  scx2 = scx;
  scx2.label = "6.12.117-scx-99999999";
  EXPECT_EQ(kernel_dimension_names({pre, scx}),
            (std::vector<std::string>{"kernel_6_12_117", "kernel_6_12_117_scx"}));
  EXPECT_EQ(
      kernel_dimension_names({scx, scx2}),
      (std::vector<std::string>{"kernel_6_12_117_scx_1a2b3c4d", "kernel_6_12_117_scx_99999999"}));
}

}  // namespace
}  // namespace ktstr
