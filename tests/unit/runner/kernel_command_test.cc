#include "runner/kernel_command.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "runner/exit_codes.h"
#include "tests/unit/vmm/kernel_test_util.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

void add_entry(const fs::path& root, const std::string& label, bool scx) {
  std::string error;
  const auto staging = make_staging_dir(label, &error, root);
  write_file(*staging / "bzImage", testing::fake_bzimage(64));
  KernelMetadata m;
  m.label = label;
  m.version = "6.12.117";
  m.kind = scx ? "built" : "prebuilt";
  m.source =
      scx ? "debian-source:linux-source-6.12" : "debian:linux-image-6.12.117+deb12-cloud-amd64";
  m.sched_ext = scx;
  m.built_at = scx ? "2026-01-02T00:00:00Z" : "2026-01-01T00:00:00Z";
  ASSERT_TRUE(install_entry(*staging, m, root).ok());
}

TEST(KernelCommand, ListEmptyCacheSaysHowToFill) {
  TempDir tmp;
  std::ostringstream out;
  EXPECT_EQ(run_kernel_list(false, out, tmp.path()), kExitOk);
  EXPECT_NE(out.str().find("ktstr-run kernel fetch"), std::string::npos);
}

TEST(KernelCommand, ListShowsLabelVersionSchedExtSourceSize) {
  TempDir tmp;
  add_entry(tmp.path(), "6.12.117-cloud", false);
  add_entry(tmp.path(), "6.12.117-scx-1a2b3c4d", true);
  std::ostringstream out;
  EXPECT_EQ(run_kernel_list(false, out, tmp.path()), kExitOk);
  const std::string text = out.str();
  EXPECT_NE(text.find("LABEL"), std::string::npos);
  EXPECT_NE(text.find("6.12.117-scx-1a2b3c4d *"), std::string::npos) << text;
  EXPECT_NE(text.find("yes"), std::string::npos);
  EXPECT_NE(text.find("debian:linux-image-6.12.117+deb12-cloud-amd64"), std::string::npos);
  EXPECT_NE(text.find("KiB"), std::string::npos);

  std::ostringstream js;
  EXPECT_EQ(run_kernel_list(true, js, tmp.path()), kExitOk);
  const auto j = nlohmann::json::parse(js.str());
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["label"], "6.12.117-scx-1a2b3c4d");
  EXPECT_EQ(j[1]["sched_ext"], true);
  EXPECT_EQ(j[1]["default"], true);
  EXPECT_EQ(j[0]["default"], false);
}

TEST(KernelCommand, ListShowsABrokenEntryAsBrokenWithTheFix) {
  TempDir tmp;
  add_entry(tmp.path(), "6.12.117-cloud", false);
  add_entry(tmp.path(), "6.12.117-scx-1a2b3c4d", true);
  fs::resize_file(tmp.path() / "6.12.117-cloud" / "bzImage", 0);
  std::ostringstream out;
  EXPECT_EQ(run_kernel_list(false, out, tmp.path()), kExitOk);
  const std::string text = out.str();
  EXPECT_NE(text.find("STATUS"), std::string::npos) << text;
  EXPECT_NE(text.find("broken: 6.12.117-cloud: bzImage is empty (0 bytes); run `ktstr-run kernel "
                      "fetch` to replace it, or remove it with `ktstr-run kernel clean "
                      "6.12.117-cloud`"),
            std::string::npos)
      << text;

  std::ostringstream js;
  EXPECT_EQ(run_kernel_list(true, js, tmp.path()), kExitOk);
  const auto j = nlohmann::json::parse(js.str());
  EXPECT_EQ(j[0]["status"], "broken");
  EXPECT_EQ(j[0]["problem"], "bzImage is empty (0 bytes)");
  EXPECT_NE(j[0]["fix"].get<std::string>().find("kernel fetch"), std::string::npos);
  EXPECT_EQ(j[1]["status"], "ok");
  EXPECT_FALSE(j[1].contains("problem"));
}

TEST(KernelCommand, ListShowsAnEntryWithoutARecordedHashAsUnverified) {
  TempDir tmp;
  add_entry(tmp.path(), "old", false);
  const fs::path meta = tmp.path() / "old" / "metadata.json";
  std::ifstream in(meta);
  auto m = nlohmann::json::parse(in);
  in.close();
  m.erase("image_sha256");
  std::ofstream(meta) << m.dump();
  std::ostringstream out;
  EXPECT_EQ(run_kernel_list(false, out, tmp.path()), kExitOk);
  EXPECT_NE(out.str().find("unverified\n"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("(unverified = cached by an older ktstr-run"), std::string::npos);
}

TEST(KernelCommand, CleanExitCodes) {
  TempDir tmp;
  add_entry(tmp.path(), "a", false);
  add_entry(tmp.path(), "b", true);
  std::ostringstream out, err;
  EXPECT_EQ(run_kernel_clean({}, false, false, out, err, tmp.path()), kExitUsage);
  EXPECT_EQ(run_kernel_clean({"nope"}, false, false, out, err, tmp.path()), kExitUsage);
  {
    std::string error;
    auto lock = KernelLock::acquire(tmp.path() / "a", false, true, &error);
    ASSERT_TRUE(lock);
    EXPECT_EQ(run_kernel_clean({"a"}, false, false, out, err, tmp.path()), kExitInfra);
    EXPECT_NE(err.str().find("in use"), std::string::npos) << err.str();
  }
  EXPECT_EQ(run_kernel_clean({}, true, true, out, err, tmp.path()), kExitOk);
  EXPECT_TRUE(list_kernels(tmp.path()).empty());
}

}  // namespace
}  // namespace ktstr
