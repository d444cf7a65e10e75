// A damaged bzImage in the cache is reported as broken, with the fix, instead
// of being listed as normal and booting into "QEMU ended" (issue 14).
#include "vmm/kernel_image_check.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/unit/vmm/kernel_test_util.h"
#include "vmm/kernel_resolve.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using testing::fake_bzimage;
using testing::TempDir;
using testing::write_file;

KernelEntry install(const fs::path& root, const std::string& label, const std::string& image,
                    const std::string& kind = "prebuilt") {
  std::string error;
  const auto staging = make_staging_dir(label, &error, root);
  EXPECT_TRUE(staging) << error;
  write_file(*staging / "bzImage", image);
  write_file(*staging / "config", "CONFIG_VIRTIO_CONSOLE=y\n");
  KernelMetadata m;
  m.label = label;
  m.version = "6.12.117";
  m.kind = kind;
  m.virtio_console = "y";
  const auto r = install_entry(*staging, m, root);
  EXPECT_TRUE(r.ok()) << r.error;
  return r.entry;
}

void truncate_to(const fs::path& p, uintmax_t size) { fs::resize_file(p, size); }

// Makes an entry look like one installed before image_sha256 was recorded.
void forget_digest(const KernelEntry& e) {
  std::ifstream in(e.dir / "metadata.json");
  nlohmann::json j = nlohmann::json::parse(in);
  in.close();
  j.erase("image_bytes");
  j.erase("image_sha256");
  std::ofstream(e.dir / "metadata.json") << j.dump(2);
}

TEST(CheckBzimage, NamesWhatIsWrong) {
  TempDir t;
  EXPECT_EQ(check_bzimage(t.path() / "bzImage"), "bzImage is missing");
  write_file(t.path() / "bzImage", "");
  EXPECT_EQ(check_bzimage(t.path() / "bzImage"), "bzImage is empty (0 bytes)");
  write_file(t.path() / "bzImage", std::string(1024, 'x'));
  EXPECT_EQ(check_bzimage(t.path() / "bzImage"), "bzImage has no x86 boot header (not a bzImage)");
  write_file(t.path() / "bzImage", "short");
  EXPECT_EQ(check_bzimage(t.path() / "bzImage"),
            "bzImage is 5 bytes, too short for an x86 boot header");
  write_file(t.path() / "bzImage", fake_bzimage(100).substr(0, 2000));
  EXPECT_EQ(check_bzimage(t.path() / "bzImage"),
            "bzImage is truncated: 2000 bytes, its boot header says 2624");
  fs::create_directories(t.path() / "dir");
  EXPECT_EQ(check_bzimage(t.path() / "dir"), "dir is not a regular file");
}

TEST(CheckBzimage, AcceptsAWholeImageAndATrailingSignature) {
  TempDir t;
  write_file(t.path() / "bzImage", fake_bzimage(100));
  EXPECT_EQ(check_bzimage(t.path() / "bzImage"), "");
  write_file(t.path() / "bzImage", fake_bzimage(100) + std::string(1472, 's'));
  EXPECT_EQ(check_bzimage(t.path() / "bzImage"), "");
}

TEST(VerifyKernelEntry, InstallRecordsSizeAndHashAndAFreshEntryIsOk) {
  TempDir t;
  const KernelEntry e = install(t.path(), "k", fake_bzimage(100));
  EXPECT_EQ(e.meta.image_bytes, fake_bzimage(100).size());
  EXPECT_EQ(e.meta.image_sha256.size(), 64u);
  const auto found = find_kernel("k", t.path());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->meta.image_sha256, e.meta.image_sha256);  // survives metadata.json
  EXPECT_EQ(verify_kernel_entry(*found).state, ImageCheck::State::kOk);
}

TEST(VerifyKernelEntry, TruncatedEmptyMissingOrAlteredIsBroken) {
  TempDir t;
  const KernelEntry e = install(t.path(), "k", fake_bzimage(100) + "signature");
  // Still a structurally whole image, but shorter than recorded.
  truncate_to(e.dir / "bzImage", fake_bzimage(100).size());
  ImageCheck c = verify_kernel_entry(*find_kernel("k", t.path()));
  EXPECT_TRUE(c.broken());
  EXPECT_EQ(c.problem, "bzImage is 2624 bytes, 2633 were recorded when it was installed");

  write_file(e.dir / "bzImage", fake_bzimage(100, 'z') + "signature");  // same size, other bytes
  c = verify_kernel_entry(*find_kernel("k", t.path()));
  EXPECT_TRUE(c.broken());
  EXPECT_NE(c.problem.find("SHA-256 differs"), std::string::npos) << c.problem;

  truncate_to(e.dir / "bzImage", 0);
  EXPECT_EQ(verify_kernel_entry(*find_kernel("k", t.path())).problem, "bzImage is empty (0 bytes)");
  fs::remove(e.dir / "bzImage");
  EXPECT_EQ(verify_kernel_entry(*find_kernel("k", t.path())).problem, "bzImage is missing");
}

TEST(VerifyKernelEntry, AnOldEntryWithoutAHashIsUnverifiedUnlessItsHeaderSaysTruncated) {
  TempDir t;
  const KernelEntry e = install(t.path(), "old", fake_bzimage(100));
  forget_digest(e);
  EXPECT_EQ(verify_kernel_entry(*find_kernel("old", t.path())).state,
            ImageCheck::State::kUnverified);
  truncate_to(e.dir / "bzImage", 1500);
  const ImageCheck c = verify_kernel_entry(*find_kernel("old", t.path()));
  EXPECT_TRUE(c.broken());
  EXPECT_NE(c.problem.find("truncated"), std::string::npos) << c.problem;
}

TEST(VerifyKernelEntry, TheFixNamesFetchBuildAndClean) {
  KernelEntry e;
  e.meta.label = "6.12.117-cloud";
  e.meta.kind = "prebuilt";
  EXPECT_EQ(broken_entry_fix(e),
            "run `ktstr-run kernel fetch` to replace it, or remove it with `ktstr-run kernel "
            "clean 6.12.117-cloud`");
  e.meta.kind = "built";
  EXPECT_NE(broken_entry_fix(e).find("`ktstr-run kernel build`"), std::string::npos);
}

TEST(ResolveBrokenKernel, ByLabelByDirectoryAndAsDefaultIsAnErrorWithTheFix) {
  TempDir t;
  const KernelEntry e = install(t.path(), "6.12.117-cloud", fake_bzimage(100));
  truncate_to(e.dir / "bzImage", 0);
  for (const auto& value : {std::string("6.12.117-cloud"), e.dir.string()}) {
    const auto r = resolve_kernels({value}, nullptr, {}, {}, t.path());
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.error.find("kernel 6.12.117-cloud in the cache is broken: bzImage is empty"),
              std::string::npos)
        << r.error;
    EXPECT_NE(r.error.find("`ktstr-run kernel fetch`"), std::string::npos) << r.error;
    EXPECT_NE(r.error.find("`ktstr-run kernel clean 6.12.117-cloud`"), std::string::npos);
  }
  const auto def = resolve_kernels({}, nullptr, {}, {}, t.path());
  EXPECT_FALSE(def.ok());
  EXPECT_NE(def.error.find("is broken"), std::string::npos) << def.error;
}

TEST(ResolveBrokenKernel, AnUnverifiedEntryRunsWithANote) {
  TempDir t;
  forget_digest(install(t.path(), "old", fake_bzimage(100)));
  const auto r = resolve_kernels({"old"}, nullptr, {}, {}, t.path());
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_FALSE(r.kernels[0].notes.empty());
  EXPECT_NE(r.kernels[0].notes.back().find("without a recorded SHA-256"), std::string::npos);
}

TEST(ResolveBrokenKernel, AnEmptyUserImageIsAnError) {
  TempDir t;
  write_file(t.path() / "bzImage", "");
  const auto r = resolve_kernels({(t.path() / "bzImage").string()}, nullptr, {}, {}, t.path());
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("bzImage is empty (0 bytes)"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace ktstr
