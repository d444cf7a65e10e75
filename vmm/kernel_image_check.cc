// Kernel image checks (see kernel_image_check.h).
//
// The x86 boot protocol (Documentation/arch/x86/boot.rst) puts the setup
// header in the first sector: setup_sects at 0x1f1 (0 means 4), the 0xaa55
// boot flag at 0x1fe, syssize (protected-mode code in 16-byte units) at 0x1f4
// and the "HdrS" magic at 0x202. The kernel's build tool writes exactly
// (setup_sects + 1) * 512 + syssize * 16 bytes; a signed Debian image appends
// its signature after that. So a file shorter than that sum is truncated.
#include "vmm/kernel_image_check.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <fstream>

#include "vmm/kernel_sha256.h"

namespace ktstr {
namespace fs = std::filesystem;

namespace {

constexpr size_t kHeaderBytes = 0x206;

uint32_t le32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

const char* ImageCheck::name() const {
  switch (state) {
    case State::kOk:
      return "ok";
    case State::kUnverified:
      return "unverified";
    case State::kBroken:
      return "broken";
  }
  return "broken";
}

std::string check_bzimage(const fs::path& image) {
  std::error_code ec;
  const std::string name = image.filename().string();
  if (!fs::exists(image, ec)) return name + " is missing";
  if (!fs::is_regular_file(image, ec)) return name + " is not a regular file";
  const uintmax_t size = fs::file_size(image, ec);
  if (ec) return name + " cannot be read: " + ec.message();
  if (size == 0) return name + " is empty (0 bytes)";
  std::array<unsigned char, kHeaderBytes> h{};
  std::ifstream in(image, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(h.data()), h.size()))
    return fmt::format("{} is {} bytes, too short for an x86 boot header", name, size);
  if (h[0x1fe] != 0x55 || h[0x1ff] != 0xaa || h[0x202] != 'H' || h[0x203] != 'd' ||
      h[0x204] != 'r' || h[0x205] != 'S')
    return name + " has no x86 boot header (not a bzImage)";
  const uint64_t setup_sects = h[0x1f1] == 0 ? 4 : h[0x1f1];
  const uint64_t expected = (setup_sects + 1) * 512 + uint64_t{le32(&h[0x1f4])} * 16;
  if (size < expected)
    return fmt::format("{} is truncated: {} bytes, its boot header says {}", name, size, expected);
  return "";
}

bool record_image_digest(const fs::path& image, KernelMetadata& meta) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(image, ec);
  auto hash = sha256_file(image);
  if (ec || !hash) return false;
  meta.image_bytes = size;
  meta.image_sha256 = *hash;
  return true;
}

ImageCheck verify_kernel_entry(const KernelEntry& entry) {
  ImageCheck c;
  const fs::path image = entry.dir / "bzImage";
  if (std::string p = check_bzimage(image); !p.empty()) {
    c.state = ImageCheck::State::kBroken;
    c.problem = p;
    return c;
  }
  if (entry.meta.image_sha256.empty()) {
    c.state = ImageCheck::State::kUnverified;
    return c;
  }
  std::error_code ec;
  const uintmax_t size = fs::file_size(image, ec);
  if (size != entry.meta.image_bytes) {
    c.state = ImageCheck::State::kBroken;
    c.problem = fmt::format("bzImage is {} bytes, {} were recorded when it was installed", size,
                            entry.meta.image_bytes);
    return c;
  }
  const auto hash = sha256_file(image);
  if (!hash || *hash != entry.meta.image_sha256) {
    c.state = ImageCheck::State::kBroken;
    c.problem = hash ? "bzImage's SHA-256 differs from the one recorded when it was installed"
                     : "bzImage cannot be read";
  }
  return c;
}

std::string broken_entry_fix(const KernelEntry& entry) {
  const std::string again = entry.meta.kind == "built"
                                ? "`ktstr-run kernel build` (with the same options)"
                                : "`ktstr-run kernel fetch`";
  return fmt::format("run {} to replace it, or remove it with `ktstr-run kernel clean {}`", again,
                     entry.meta.label);
}

}  // namespace ktstr
