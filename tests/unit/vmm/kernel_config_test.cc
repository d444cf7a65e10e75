#include "vmm/kernel_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/unit/vmm/kernel_test_util.h"

namespace ktstr {
namespace {

using testing::TempDir;
using testing::write_file;

constexpr const char* kSample = R"(#
# Automatically generated file; DO NOT EDIT.
CONFIG_64BIT=y
CONFIG_SCHED_CLASS_EXT=y
CONFIG_VIRTIO_CONSOLE=m
CONFIG_VIRTIO_PCI=y
CONFIG_NR_CPUS=256
CONFIG_LOCALVERSION=""
# CONFIG_DEBUG_INFO_BTF is not set
CONFIG_PAHOLE_VERSION=0
)";

TEST(KernelConfig, ParsesValuesAndNotSet) {
  const auto c = parse_kernel_config(kSample);
  EXPECT_EQ(c.tristate("64BIT"), Tristate::kYes);
  EXPECT_EQ(c.tristate("VIRTIO_CONSOLE"), Tristate::kModule);
  EXPECT_EQ(c.tristate("DEBUG_INFO_BTF"), Tristate::kNo);
  EXPECT_EQ(c.tristate("NOT_MENTIONED"), Tristate::kNo);
  EXPECT_EQ(c.value("NR_CPUS"), "256");
  EXPECT_EQ(c.value("LOCALVERSION"), "\"\"");
  EXPECT_EQ(c.values.count("DEBUG_INFO_BTF"), 0u);
}

TEST(KernelConfig, Features) {
  const auto f = kernel_features(parse_kernel_config(kSample));
  EXPECT_TRUE(f.sched_ext);
  EXPECT_EQ(f.virtio_console, Tristate::kModule);
  EXPECT_TRUE(f.virtio_pci);
  EXPECT_FALSE(f.btf);
  EXPECT_FALSE(f.ikconfig);
  EXPECT_FALSE(f.jump_label);
  EXPECT_TRUE(kernel_features(parse_kernel_config("CONFIG_JUMP_LABEL=y\n")).jump_label);
}

TEST(KernelConfig, HzFromTheConfig) {
  auto hz = [](const char* text) { return kernel_features(parse_kernel_config(text)).hz; };
  EXPECT_EQ(hz("CONFIG_HZ_250=y\nCONFIG_HZ=250\n"), 250u);
  EXPECT_EQ(hz("CONFIG_HZ=1000\n"), 1000u);
  EXPECT_EQ(hz("# CONFIG_HZ is not set\n"), 0u);
  EXPECT_EQ(hz("CONFIG_HZ=abc\n"), 0u);
  EXPECT_EQ(hz("CONFIG_HZ=0\n"), 0u);
  EXPECT_EQ(hz("CONFIG_HZ=250x\n"), 0u);
  EXPECT_EQ(hz(""), 0u);
}

TEST(KernelConfig, FragmentKeepsReasons) {
  const auto frag = parse_config_fragment(
      "# header\n\n# BTF for CO-RE.\nCONFIG_DEBUG_INFO_BTF=y\n# off on purpose\n# "
      "CONFIG_STRICT_DEVMEM is not set\n"
      "CONFIG_NR_CPUS=256\n");
  ASSERT_EQ(frag.size(), 3u);
  EXPECT_EQ(frag[0].name, "DEBUG_INFO_BTF");
  EXPECT_EQ(frag[0].value, "y");
  EXPECT_EQ(frag[0].line, 4);
  EXPECT_EQ(frag[0].reason, "BTF for CO-RE.");
  EXPECT_EQ(frag[1].name, "STRICT_DEVMEM");
  EXPECT_EQ(frag[1].value, "n");
  EXPECT_EQ(frag[1].reason, "off on purpose");
  EXPECT_EQ(frag[2].reason, "");
}

TEST(KernelConfig, ProjectFragmentHasAReasonPerOption) {
  std::string error;
  const auto path = std::string(KTSTR_TEST_DATA) + "/../../kernel/ktstr-sched-ext.config";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  const auto frag = parse_config_fragment(ss.str());
  EXPECT_GT(frag.size(), 70u);
  bool has_scx = false;
  for (const auto& o : frag) {
    EXPECT_FALSE(o.reason.empty())
        << "CONFIG_" << o.name << " (line " << o.line << ") has no reason";
    has_scx |= o.name == "SCHED_CLASS_EXT" && o.value == "y";
  }
  EXPECT_TRUE(has_scx);
}

TEST(KernelConfig, VerifyAcceptsSurvivorsAndAbsentNotSet) {
  const auto frag = parse_config_fragment(
      "CONFIG_SCHED_CLASS_EXT=y\n# CONFIG_RANDOMIZE_BASE is not set\nCONFIG_NR_CPUS=256\n");
  EXPECT_TRUE(verify_config_fragment(frag, parse_kernel_config(kSample)).empty());
}

TEST(KernelConfig, VerifyNamesMissingOptionsAndWhy) {
  TempDir tree;
  write_file(tree.path() / "Kconfig", "source \"kernel/Kconfig.preempt\"\n");
  write_file(tree.path() / "kernel/Kconfig.preempt",
             "config SCHED_CLASS_EXT\n\tbool \"Extensible Scheduling Class\"\n"
             "\tdepends on BPF_SYSCALL && BPF_JIT && DEBUG_INFO_BTF\n\thelp\n"
             "\t  depends on nothing in help text\n");
  write_file(tree.path() / "lib/Kconfig.debug",
             "config DEBUG_INFO_BTF\n\tbool \"BTF\"\n\tdepends on !DEBUG_INFO_SPLIT && "
             "!DEBUG_INFO_REDUCED\n\tdepends on BPF_SYSCALL\n\tdepends on PAHOLE_VERSION >= 116\n"
             "\tdepends on DEBUG_INFO || \\\n\t  COMPILE_TEST\n");
  const auto deps = load_kconfig_deps(tree.path());
  ASSERT_EQ(deps.count("SCHED_CLASS_EXT"), 1u);
  EXPECT_EQ(deps.at("SCHED_CLASS_EXT").size(), 1u);  // the help text is not a dependency
  EXPECT_EQ(deps.at("DEBUG_INFO_BTF").size(), 4u);

  const auto final_config = parse_kernel_config(
      "CONFIG_BPF_SYSCALL=y\nCONFIG_BPF_JIT=y\nCONFIG_DEBUG_INFO=y\nCONFIG_PAHOLE_VERSION=0\n"
      "CONFIG_STRICT_DEVMEM=y\n");
  const auto frag = parse_config_fragment(
      "CONFIG_SCHED_CLASS_EXT=y\nCONFIG_BPF_JIT=y\n# CONFIG_STRICT_DEVMEM is not set\n");
  const auto missing = verify_config_fragment(frag, final_config, deps);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].wanted.name, "SCHED_CLASS_EXT");
  EXPECT_EQ(missing[0].got, "n");
  EXPECT_NE(missing[0].why.find("DEBUG_INFO_BTF, which needs pahole"), std::string::npos)
      << missing[0].why;
  EXPECT_EQ(missing[0].why.find("BPF_JIT"), std::string::npos) << "BPF_JIT is on: not to blame";
  EXPECT_EQ(missing[1].wanted.name, "STRICT_DEVMEM");
  EXPECT_EQ(missing[1].got, "y");
  const auto text = describe_missing(missing);
  EXPECT_NE(text.find("CONFIG_SCHED_CLASS_EXT=y (got n, fragment line 1): SCHED_CLASS_EXT needs "),
            std::string::npos)
      << text;
}

TEST(KernelConfig, ExtractsEmbeddedConfigFromCompressedImage) {
  TempDir dir;
  const auto d = dir.path().string();
  write_file(dir.path() / "config", "CONFIG_SCHED_CLASS_EXT=y\nCONFIG_VIRTIO_CONSOLE=y\n");
  // A fake image: setup bytes, then a gzip payload holding IKCFG_ST <gzip config> IKCFG_ED.
  const std::string cmd =
      "cd " + d +
      " && gzip -9n -c config > config.gz && { printf 'kernel code'; printf "
      "IKCFG_ST; cat config.gz; printf IKCFG_ED; printf 'more'; } > vmlinux "
      "&& { printf 'MZsetup-code'; gzip -c vmlinux; printf trailer; } > bzImage";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const auto text = extract_embedded_config(dir.path() / "bzImage");
  ASSERT_TRUE(text.has_value());
  EXPECT_TRUE(kernel_features(parse_kernel_config(*text)).sched_ext);
  write_file(dir.path() / "plain", "no config in here");
  EXPECT_FALSE(extract_embedded_config(dir.path() / "plain").has_value());
}

}  // namespace
}  // namespace ktstr
