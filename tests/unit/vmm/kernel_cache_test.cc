#include "vmm/kernel_cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/vmm/kernel_test_util.h"

namespace ktstr {
namespace {

namespace fs = std::filesystem;
using testing::ScopedEnv;
using testing::TempDir;
using testing::write_file;

KernelMetadata meta(const std::string& label, bool scx, const std::string& kind,
                    const std::string& built_at) {
  KernelMetadata m;
  m.label = label;
  m.version = "6.12.117";
  m.kind = kind;
  m.source = kind == "built" ? "debian-source:linux-source-6.12" : "debian:linux-image-x";
  m.sched_ext = scx;
  m.virtio_console = "y";
  m.built_at = built_at;
  return m;
}

// Installs an entry the way fetch/build do: staging dir with files, then install_entry.
KernelEntry install(const fs::path& root, const KernelMetadata& m) {
  std::string error;
  const auto staging = make_staging_dir(m.label, &error, root);
  EXPECT_TRUE(staging) << error;
  write_file(*staging / "bzImage", "image");
  write_file(*staging / "config", "CONFIG_SCHED_CLASS_EXT=y\n");
  const auto r = install_entry(*staging, m, root);
  EXPECT_TRUE(r.ok()) << r.error;
  return r.entry;
}

TEST(KernelCache, RootFollowsEnvironment) {
  {
    ScopedEnv a("KTSTR_CACHE_DIR", "/x/ktstr");
    EXPECT_EQ(kernel_cache_root(), fs::path("/x/ktstr/kernels"));
  }
  ScopedEnv a("KTSTR_CACHE_DIR", std::nullopt);
  {
    ScopedEnv x("XDG_CACHE_HOME", "/xdg");
    EXPECT_EQ(kernel_cache_root(), fs::path("/xdg/ktstr/kernels"));
  }
  ScopedEnv x("XDG_CACHE_HOME", std::nullopt);
  ScopedEnv h("HOME", "/home/u");
  EXPECT_EQ(kernel_cache_root(), fs::path("/home/u/.cache/ktstr/kernels"));
}

TEST(KernelCache, Labels) {
  EXPECT_TRUE(valid_kernel_label("6.12.117-scx-1a2b3c4d"));
  EXPECT_TRUE(valid_kernel_label("6.12.117+deb12-cloud"));
  EXPECT_FALSE(valid_kernel_label(""));
  EXPECT_FALSE(valid_kernel_label(".work"));
  EXPECT_FALSE(valid_kernel_label("a/b"));
  EXPECT_FALSE(valid_kernel_label(".."));
}

TEST(KernelCache, InstallIsAtomicAndReadable) {
  TempDir tmp;
  const auto root = tmp.path() / "kernels";
  const auto e = install(root, meta("6.12.117-cloud", false, "prebuilt", "2026-01-01T00:00:00Z"));
  EXPECT_EQ(e.dir, root / "6.12.117-cloud");
  EXPECT_TRUE(fs::exists(e.dir / "metadata.json"));
  EXPECT_TRUE(fs::exists(e.dir / ".lock"));
  EXPECT_GT(e.meta.size_bytes, 0u);
  // No staging directory is left behind.
  for (const auto& d : fs::directory_iterator(root))
    EXPECT_NE(d.path().filename().string().rfind(".tmp-", 0), 0u) << d.path();
  const auto found = find_kernel("6.12.117-cloud", root);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->meta.kind, "prebuilt");
  EXPECT_EQ(found->meta.source, "debian:linux-image-x");
  const auto info = kernel_info(*found);
  EXPECT_EQ(info.image, e.dir / "bzImage");
  EXPECT_EQ(info.config, e.dir / "config");
  EXPECT_TRUE(info.vmlinux.empty());
  EXPECT_TRUE(info.virtio_console_builtin());
  EXPECT_FALSE(info.jump_label);  // its config has no CONFIG_JUMP_LABEL=y
  EXPECT_EQ(info.hz, 0u);

  write_file(e.dir / "config", "CONFIG_HZ=250\n");
  EXPECT_EQ(kernel_info(*found).hz, 250u);

  write_file(e.dir / "config", "CONFIG_JUMP_LABEL=y\n");
  EXPECT_TRUE(kernel_info(*found).jump_label);
  fs::remove(e.dir / "config");
  EXPECT_TRUE(kernel_info(*found).jump_label);  // unknown: assume it patches code
}

TEST(KernelCache, SecondInstallOfSameLabelKeepsTheFirst) {
  TempDir tmp;
  const auto root = tmp.path();
  install(root, meta("k1", false, "prebuilt", "1"));
  std::string error;
  const auto staging = make_staging_dir("k1", &error, root);
  write_file(*staging / "bzImage", "other");
  const auto r = install_entry(*staging, meta("k1", true, "built", "2"), root);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.existed);
  EXPECT_FALSE(r.entry.meta.sched_ext);
  EXPECT_FALSE(fs::exists(*staging));
}

TEST(KernelCache, ListSkipsIncompleteAndHiddenDirectories) {
  TempDir tmp;
  const auto root = tmp.path();
  install(root, meta("b", false, "prebuilt", "1"));
  install(root, meta("a", true, "built", "2"));
  fs::create_directories(root / ".work" / "x");
  fs::create_directories(root / ".tmp-c-1");
  write_file(root / ".tmp-c-1" / "bzImage", "half");
  fs::create_directories(root / "no-metadata");
  write_file(root / "no-metadata" / "bzImage", "x");
  write_file(root / "bad-json" / "metadata.json", "{not json");
  write_file(root / "bad-json" / "bzImage", "x");
  const auto list = list_kernels(root);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].meta.label, "a");
  EXPECT_EQ(list[1].meta.label, "b");
}

TEST(KernelCache, DefaultPrefersNewestSchedExtThenPrebuilt) {
  std::vector<KernelEntry> entries{
      {"/p", meta("prebuilt", false, "prebuilt", "2026-03-01T00:00:00Z")},
      {"/o", meta("old-scx", true, "built", "2026-01-01T00:00:00Z")},
      {"/n", meta("new-scx", true, "built", "2026-02-01T00:00:00Z")},
      {"/c", meta("custom", false, "built", "2026-04-01T00:00:00Z")},
  };
  EXPECT_EQ(default_kernel(entries)->meta.label, "new-scx");
  entries.erase(entries.begin() + 1, entries.begin() + 3);
  EXPECT_EQ(default_kernel(entries)->meta.label, "prebuilt");
  EXPECT_FALSE(default_kernel({}).has_value());
}

TEST(KernelCache, FindByKey) {
  TempDir tmp;
  auto m = meta("6.12.117-scx-abcdef12", true, "built", "1");
  m.key = "abcdef12ffff";
  install(tmp.path(), m);
  EXPECT_TRUE(find_kernel_by_key("abcdef12ffff", tmp.path()));
  EXPECT_FALSE(find_kernel_by_key("other", tmp.path()));
  EXPECT_FALSE(find_kernel_by_key("", tmp.path()));
}

TEST(KernelCache, RemoveRefusesAnEntryInUse) {
  TempDir tmp;
  const auto e = install(tmp.path(), meta("busy", true, "built", "1"));
  {
    std::string error;
    auto user = KernelLock::acquire(e.dir, /*exclusive=*/false, /*wait=*/true, &error);
    ASSERT_TRUE(user) << error;
    // A second user can share it.
    auto other = KernelLock::acquire(e.dir, false, false, &error);
    EXPECT_TRUE(other) << error;
    const auto err = remove_kernel_entry("busy", tmp.path());
    EXPECT_NE(err.find("in use"), std::string::npos) << err;
    EXPECT_TRUE(find_kernel("busy", tmp.path()));
  }
  EXPECT_EQ(remove_kernel_entry("busy", tmp.path()), "");
  EXPECT_FALSE(fs::exists(tmp.path() / "busy"));
  EXPECT_NE(remove_kernel_entry("busy", tmp.path()).find("no kernel"), std::string::npos);
}

TEST(KernelCache, StaleStagingOfDeadProcessesIsRemoved) {
  TempDir tmp;
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  const auto dead = tmp.path() / (".tmp-x-" + std::to_string(child));
  const auto live = tmp.path() / (".tmp-y-" + std::to_string(getpid()));
  fs::create_directories(dead);
  fs::create_directories(live);
  remove_stale_staging(tmp.path());
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
}

}  // namespace
}  // namespace ktstr
