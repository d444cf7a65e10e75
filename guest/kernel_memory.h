// Reading and writing the running kernel's variables through /dev/mem, by
// their System.map addresses. The runner reads System.map on the host and
// sends the few addresses the agent needs (GuestTestSpec::kernel_symbols);
// the agent translates a kernel-image virtual address to a physical one with
// the "Kernel code" range of /proc/iomem (the physical address of `_text`),
// checks the translation by reading `linux_banner`, and then reads or writes.
//
// Needs a kernel with CONFIG_DEVMEM=y, CONFIG_STRICT_DEVMEM unset and KASLR
// off (the runner boots with `nokaslr`); our sched_ext config has all three.
// Every path is a parameter so unit tests use a plain file as "memory".
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace ktstr {

/// Symbol name → kernel virtual address (from System.map).
using KernelSymbols = std::map<std::string, std::uint64_t>;

/// The start of the top-level or nested "Kernel code" range in /proc/iomem
/// text, if there is one.
std::optional<std::uint64_t> iomem_kernel_code_start(const std::string& iomem);

class KernelMemory {
 public:
  /// Opens `mem` read-write and computes the translation from `_text` in
  /// `symbols` and the "Kernel code" line of `iomem`. Checks the translation
  /// by reading `linux_banner` when `symbols` has it: it must start with
  /// "Linux version " + `release` (uname -r; "" = only the prefix).
  /// On failure returns nullopt and sets `error` to a sentence naming the cause.
  static std::optional<KernelMemory> open(const std::filesystem::path& mem,
                                          const std::filesystem::path& iomem,
                                          const KernelSymbols& symbols, const std::string& release,
                                          std::string& error);
  KernelMemory(KernelMemory&& o) noexcept;
  KernelMemory& operator=(KernelMemory&&) = delete;
  KernelMemory(const KernelMemory&) = delete;
  ~KernelMemory();

  std::uint64_t physical(std::uint64_t vaddr) const { return vaddr - text_vaddr_ + text_phys_; }
  bool read(std::uint64_t vaddr, void* buf, std::size_t n, std::string& error) const {
    return transfer(vaddr, buf, n, false, error);
  }
  bool write(std::uint64_t vaddr, const void* buf, std::size_t n, std::string& error) const {
    return transfer(vaddr, const_cast<void*>(buf), n, true, error);
  }
  bool read_u64(std::uint64_t vaddr, std::uint64_t& v, std::string& error) const {
    return read(vaddr, &v, sizeof v, error);
  }
  bool write_u64(std::uint64_t vaddr, std::uint64_t v, std::string& error) const {
    return write(vaddr, &v, sizeof v, error);
  }

 private:
  bool transfer(std::uint64_t vaddr, void* buf, std::size_t n, bool write,
                std::string& error) const;
  KernelMemory(int fd, std::uint64_t text_vaddr, std::uint64_t text_phys)
      : fd_(fd), text_vaddr_(text_vaddr), text_phys_(text_phys) {}
  int fd_ = -1;
  std::uint64_t text_vaddr_ = 0;
  std::uint64_t text_phys_ = 0;
};

}  // namespace ktstr
