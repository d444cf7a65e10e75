#include "vmm/initramfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace ktstr {
namespace {

struct Member {
  mode_t type = 0;
  mode_t perm = 0;
  std::string data;
  std::string symlink;
  dev_t rdev = 0;
};

struct ReadBack {
  std::vector<std::string> order;  // as stored
  std::map<std::string, Member> members;
  std::string error;
};

// Reads one cpio segment (any compression) back with libarchive.
ReadBack read_cpio_exact(const std::string& bytes) {
  ReadBack out;
  struct archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_cpio(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    out.error = archive_error_string(a);
    archive_read_free(a);
    return out;
  }
  struct archive_entry* e;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    Member m;
    m.type = archive_entry_filetype(e);
    m.perm = archive_entry_perm(e);
    if (archive_entry_symlink(e)) m.symlink = archive_entry_symlink(e);
    m.rdev = archive_entry_rdev(e);
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) m.data.append(buf, n);
    if (n < 0) {
      out.error = archive_error_string(a);
      break;
    }
    const std::string name = std::string("/") + archive_entry_pathname(e);
    out.order.push_back(name);
    out.members[name] = m;
  }
  if (out.error.empty() && rc != ARCHIVE_EOF) out.error = archive_error_string(a);
  archive_read_free(a);
  return out;
}

// The kernel skips the zero padding after a compressed segment; libarchive's
// zstd reader takes it for a broken second frame, so drop it (at most 3 bytes).
ReadBack read_cpio(const std::string& bytes) {
  ReadBack r = read_cpio_exact(bytes);
  for (size_t trim = 1; !r.error.empty() && trim <= 3 && trim <= bytes.size(); ++trim) {
    if (bytes[bytes.size() - trim] != '\0') break;
    r = read_cpio_exact(bytes.substr(0, bytes.size() - trim));
  }
  return r;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A private temporary directory, removed at the end of the test.
class InitramfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ktstr-initramfs-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(InitramfsTest, CpioHasParentsFirstModesAndContent) {
  const std::filesystem::path host = dir_ / "payload.sh";
  std::ofstream(host) << "#!/bin/sh\necho hi\n";
  std::filesystem::permissions(host, std::filesystem::perms(0750));
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    SCOPED_TRACE(static_cast<int>(c));
    CpioArchive cpio = build_cpio(
        {
            {.guest_path = "/ktstr/test.json", .bytes = "{\"a\":1}"},
            {.guest_path = "/ktstr/payloads/run.sh", .host_path = host},
            {.guest_path = "/ktstr/empty", .bytes = "", .mode = 0600},
        },
        c, {"/var/empty"});
    ASSERT_TRUE(cpio.ok()) << cpio.error;
    EXPECT_EQ(cpio.bytes.size() % 4, 0u);
    EXPECT_EQ(cpio.uncompressed_bytes, 7u + 18u);
    ReadBack r = read_cpio(cpio.bytes);
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.order, (std::vector<std::string>{"/ktstr", "/ktstr/payloads", "/var", "/var/empty",
                                                 "/ktstr/test.json", "/ktstr/payloads/run.sh",
                                                 "/ktstr/empty"}));
    EXPECT_EQ(r.members["/ktstr"].type, AE_IFDIR);
    EXPECT_EQ(r.members["/ktstr"].perm, 0755u);
    EXPECT_EQ(r.members["/ktstr/test.json"].data, "{\"a\":1}");
    EXPECT_EQ(r.members["/ktstr/test.json"].perm, 0644u);        // default for in-memory bytes
    EXPECT_EQ(r.members["/ktstr/payloads/run.sh"].perm, 0750u);  // the host file's mode
    EXPECT_EQ(r.members["/ktstr/payloads/run.sh"].data, "#!/bin/sh\necho hi\n");
    EXPECT_EQ(r.members["/ktstr/empty"].perm, 0600u);
  }
}

TEST_F(InitramfsTest, SameInputsGiveSameBytes) {
  const std::vector<InitramfsEntry> entries = {{.guest_path = "/a/b", .bytes = "x"}};
  EXPECT_EQ(build_cpio(entries, Compression::kNone).bytes,
            build_cpio(entries, Compression::kNone).bytes);
}

TEST_F(InitramfsTest, RejectsBadGuestPathsAndMissingFiles) {
  for (const char* p : {"relative", "/a/../b", "/a//b", "/a/", "/./a", ""}) {
    CpioArchive c = build_cpio({{.guest_path = p, .bytes = "x"}}, Compression::kNone);
    EXPECT_FALSE(c.ok()) << p;
    EXPECT_NE(c.error.find("guest path"), std::string::npos) << c.error;
  }
  CpioArchive c =
      build_cpio({{.guest_path = "/x", .host_path = dir_ / "missing"}}, Compression::kNone);
  EXPECT_NE(c.error.find("missing: No such file"), std::string::npos) << c.error;
  c = build_cpio({{.guest_path = "/x", .host_path = dir_}}, Compression::kNone);
  EXPECT_NE(c.error.find("not a regular file"), std::string::npos) << c.error;
}

TEST(LibraryClosure, OfBinTrue) {
  LibraryClosure c = resolve_library_closure("/bin/true");
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(c.interpreter, "/lib64/ld-linux-x86-64.so.2");
  bool libc = false;
  for (const auto& lib : c.libraries) libc |= lib.filename() == "libc.so.6";
  EXPECT_TRUE(libc);
  EXPECT_EQ(guest_library_path("/usr/lib/x86_64-linux-gnu/libbpf.so.1"),
            "/lib/x86_64-linux-gnu/libbpf.so.1");
}

TEST_F(InitramfsTest, ClosureOfNonElfIsAnError) {
  std::ofstream(dir_ / "script") << "#!/bin/sh\n";
  LibraryClosure c = resolve_library_closure(dir_ / "script");
  EXPECT_NE(c.error.find("not an ELF file"), std::string::npos) << c.error;
}

TEST_F(InitramfsTest, BaseHasAgentClosureAndSkeletonAndIsCached) {
  BaseInitramfs base = prepare_base_initramfs(
      {.agent = "/bin/true", .compression = Compression::kZstd, .cache_dir = dir_ / "cache"});
  ASSERT_TRUE(base.ok()) << base.error;
  EXPECT_FALSE(base.cache_hit);
  EXPECT_EQ(base.path.parent_path(), dir_ / "cache");
  EXPECT_EQ(base.path.filename(), "base-" + base.hash + ".cpio.zst");
  const std::string bytes = slurp(base.path);
  EXPECT_EQ(bytes.size(), base.bytes);
  EXPECT_EQ(bytes.size() % 4, 0u);
  ReadBack r = read_cpio(bytes);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.members["/init"].type, AE_IFREG);
  EXPECT_EQ(r.members["/init"].perm, 0755u);
  EXPECT_TRUE(r.members["/init"].data == slurp("/bin/true"));
  EXPECT_EQ(r.members["/dev/console"].type, AE_IFCHR);
  EXPECT_EQ(r.members["/dev/console"].rdev, makedev(5, 1));
  EXPECT_EQ(r.members["/lib64/ld-linux-x86-64.so.2"].type, AE_IFLNK);
  EXPECT_EQ(r.members["/lib64/ld-linux-x86-64.so.2"].symlink,
            "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  EXPECT_EQ(r.members["/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"].type, AE_IFREG);
  EXPECT_TRUE(r.members["/lib/x86_64-linux-gnu/libc.so.6"].data ==
              slurp("/lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_EQ(r.members["/tmp"].perm, 01777u);
  for (const char* d : {"/proc", "/sys", "/sys/fs/cgroup", "/dev", "/run", "/ktstr/plugins"}) {
    EXPECT_EQ(r.members[d].type, AE_IFDIR) << d;
  }
  EXPECT_TRUE(base.guest_files.contains("/lib/x86_64-linux-gnu/libc.so.6"));

  BaseInitramfs again = prepare_base_initramfs(
      {.agent = "/bin/true", .compression = Compression::kZstd, .cache_dir = dir_ / "cache"});
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_TRUE(again.cache_hit);
  EXPECT_EQ(again.path, base.path);
  EXPECT_EQ(again.guest_files, base.guest_files);

  BaseInitramfs plain = prepare_base_initramfs(
      {.agent = "/bin/true", .compression = Compression::kNone, .cache_dir = dir_ / "cache"});
  ASSERT_TRUE(plain.ok()) << plain.error;
  EXPECT_NE(plain.hash, base.hash);
  EXPECT_EQ(plain.path.extension(), ".cpio");
  // No temp files are left behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ / "cache")) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
    ++files;
  }
  EXPECT_EQ(files, 2);
}

TEST_F(InitramfsTest, CacheDirComesFromKtstrCacheDir) {
  const char* old = std::getenv("KTSTR_CACHE_DIR");
  const std::string saved = old ? old : "";
  ::setenv("KTSTR_CACHE_DIR", dir_.c_str(), 1);
  BaseInitramfs base = prepare_base_initramfs({.agent = "/bin/true"});
  if (old) {
    ::setenv("KTSTR_CACHE_DIR", saved.c_str(), 1);
  } else {
    ::unsetenv("KTSTR_CACHE_DIR");
  }
  ASSERT_TRUE(base.ok()) << base.error;
  EXPECT_EQ(base.path.parent_path(), dir_ / "initramfs");
}

TEST_F(InitramfsTest, OverlayAddsOnlyLibrariesTheBaseLacksAndConcatenates) {
  BaseInitramfs base = prepare_base_initramfs(
      {.agent = "/bin/true", .compression = Compression::kZstd, .cache_dir = dir_ / "cache"});
  ASSERT_TRUE(base.ok()) << base.error;
  // This test binary links libarchive, which /bin/true does not.
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  InitramfsOverlay ov = build_overlay(
      {
          {.guest_path = "/ktstr/test.json", .bytes = "{}"},
          {.guest_path = "/ktstr/plugins/p.so", .host_path = self, .with_closure = true},
      },
      base);
  ASSERT_TRUE(ov.ok()) << ov.error;
  EXPECT_EQ(ov.archive.bytes.size() % 4, 0u);
  bool has_libarchive = false;
  for (const std::string& lib : ov.added_libraries) {
    EXPECT_NE(lib, "/lib/x86_64-linux-gnu/libc.so.6");  // already in the base
    has_libarchive |= lib.find("/libarchive.so") != std::string::npos;
  }
  EXPECT_TRUE(has_libarchive);
  ReadBack r = read_cpio(ov.archive.bytes);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.members["/ktstr/test.json"].data, "{}");
  EXPECT_EQ(r.members["/ktstr/plugins/p.so"].data.size(), std::filesystem::file_size(self));
  EXPECT_FALSE(r.members.contains("/lib/x86_64-linux-gnu/libc.so.6"));

  InitrdStats s = write_initrd(base, ov, dir_ / "initrd");
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(s.base_bytes, base.bytes);
  EXPECT_EQ(s.overlay_bytes, ov.archive.bytes.size());
  EXPECT_EQ(s.total_bytes, s.base_bytes + s.overlay_bytes);
  EXPECT_GT(s.overlay_uncompressed_bytes, 0u);
  const std::string initrd = slurp(dir_ / "initrd");
  ASSERT_EQ(initrd.size(), s.total_bytes);
  // Both segments are where the kernel will look for them: base first, the
  // overlay at a 4-byte aligned offset right after it.
  EXPECT_TRUE(initrd.substr(0, base.bytes) == slurp(base.path));
  EXPECT_EQ(base.bytes % 4, 0u);
  EXPECT_TRUE(initrd.substr(base.bytes) == ov.archive.bytes);
}

TEST_F(InitramfsTest, UncompressedSegmentReadsWithCpio) {
  CpioArchive cpio =
      build_cpio({{.guest_path = "/ktstr/x", .bytes = "abc", .mode = 0640}}, Compression::kNone);
  ASSERT_TRUE(cpio.ok()) << cpio.error;
  const std::filesystem::path file = dir_ / "seg.cpio";
  std::ofstream(file, std::ios::binary) << cpio.bytes;
  const std::string listing = dir_ / "list.txt";
  const std::string cmd = "cpio -itv < " + file.string() + " > " + listing + " 2>/dev/null";
  if (std::system("command -v cpio >/dev/null") != 0) GTEST_SKIP() << "no cpio binary";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string text = slurp(listing);
  EXPECT_NE(text.find("drwxr-xr-x"), std::string::npos) << text;
  EXPECT_NE(text.find("-rw-r-----"), std::string::npos) << text;
  EXPECT_NE(text.find("ktstr/x"), std::string::npos) << text;
}

}  // namespace
}  // namespace ktstr
