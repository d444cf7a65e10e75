#include "guest/kernel_memory.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace ktstr {

namespace {

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return out;
}

}  // namespace

std::optional<std::uint64_t> iomem_kernel_code_start(const std::string& iomem) {
  std::istringstream in(iomem);
  std::string line;
  while (std::getline(in, line)) {
    // "  01000000-01c01b76 : Kernel code"
    auto colon = line.find(" : ");
    if (colon == std::string::npos || line.substr(colon + 3) != "Kernel code") continue;
    std::size_t b = line.find_first_not_of(' ');
    std::size_t dash = line.find('-', b);
    if (b == std::string::npos || dash == std::string::npos || dash > colon || dash == b) continue;
    std::string start = line.substr(b, dash - b);
    if (start.size() > 16 || start.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      continue;
    return std::stoull(start, nullptr, 16);
  }
  return std::nullopt;
}

std::optional<KernelMemory> KernelMemory::open(const std::filesystem::path& mem,
                                               const std::filesystem::path& iomem,
                                               const KernelSymbols& symbols,
                                               const std::string& release, std::string& error) {
  auto text = symbols.find("_text");
  if (text == symbols.end()) {
    error = "the kernel's System.map has no _text symbol";
    return std::nullopt;
  }
  std::ifstream in(iomem);
  std::string iomem_text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && iomem_text.empty()) {
    error = "cannot read " + iomem.string();
    return std::nullopt;
  }
  auto phys = iomem_kernel_code_start(iomem_text);
  if (!phys || *phys == 0) {
    error = iomem.string() + " shows no \"Kernel code\" range (or shows it at 0: not root?)";
    return std::nullopt;
  }
  int fd = ::open(mem.c_str(), O_RDWR | O_CLOEXEC | O_SYNC);
  if (fd < 0) {
    error = "cannot open " + mem.string() + ": " + strerror(errno) +
            " (the kernel needs CONFIG_DEVMEM=y and CONFIG_STRICT_DEVMEM unset)";
    return std::nullopt;
  }
  KernelMemory km(fd, text->second, *phys);
  if (auto banner = symbols.find("linux_banner"); banner != symbols.end()) {
    const std::string want = "Linux version " + release;
    std::string got(want.size(), '\0');
    std::string err;
    if (!km.read(banner->second, got.data(), got.size(), err)) {
      error = "cannot check the System.map against the running kernel: " + err;
      return std::nullopt;
    }
    if (got != want) {
      error = "the System.map does not match the running kernel: linux_banner at " +
              hex(banner->second) + " reads \"" + printable(got) + "\", not \"" + want +
              "\" (KASLR moves the symbols: with a RANDOMIZE_BASE kernel, set kaslr = false)";
      return std::nullopt;
    }
  }
  return km;
}

KernelMemory::KernelMemory(KernelMemory&& o) noexcept
    : fd_(o.fd_), text_vaddr_(o.text_vaddr_), text_phys_(o.text_phys_) {
  o.fd_ = -1;
}

KernelMemory::~KernelMemory() {
  if (fd_ >= 0) ::close(fd_);
}

bool KernelMemory::transfer(std::uint64_t vaddr, void* buf, std::size_t n, bool write,
                            std::string& error) const {
  if (vaddr < text_vaddr_) {
    error = "address " + hex(vaddr) + " is below _text";
    return false;
  }
  const std::uint64_t p = physical(vaddr);
  const ssize_t r = write ? ::pwrite(fd_, buf, n, static_cast<off_t>(p))
                          : ::pread(fd_, buf, n, static_cast<off_t>(p));
  if (r != static_cast<ssize_t>(n)) {
    error = std::string(write ? "writing " : "reading ") + std::to_string(n) +
            " bytes of physical memory at " + hex(p) + ": " +
            (r < 0   ? strerror(errno)
             : write ? "short write"
                     : "short read");
    return false;
  }
  return true;
}

}  // namespace ktstr
