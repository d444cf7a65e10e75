// CpusetEpochs (see cpuset_epochs.h).
#include "guest/cpuset_epochs.h"

#include <sys/mman.h>

#include <new>

namespace ktstr {

CpusetEpochs::CpusetEpochs() {
  void* mem = mmap(nullptr, sizeof(std::atomic<std::uint64_t>), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  // Without shared memory the workers would see no change at all; the
  // fallback keeps the agent working (epochs then only advance in the agent).
  seq_ = mem == MAP_FAILED ? &fallback_ : new (mem) std::atomic<std::uint64_t>(0);
}

CpusetEpochs::~CpusetEpochs() {
  if (seq_ != &fallback_) munmap(seq_, sizeof(std::atomic<std::uint64_t>));
}

void CpusetEpochs::begin_change() { seq_->fetch_add(1, std::memory_order_seq_cst); }

int CpusetEpochs::end_change(bool applied) {
  if (applied) return static_cast<int>(seq_->fetch_add(1, std::memory_order_seq_cst) + 1) / 2;
  seq_->fetch_sub(1, std::memory_order_seq_cst);
  return current();
}

int CpusetEpochs::current() const {
  return static_cast<int>(seq_->load(std::memory_order_seq_cst) / 2);
}

}  // namespace ktstr
