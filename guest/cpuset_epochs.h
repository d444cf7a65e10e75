// The scenario's cpuset epochs: one counter in a MAP_SHARED page that every
// worker reads at its checkpoints. Epoch N starts when the Nth cpuset change
// of the scenario has been written (epoch 0 = before any). The page holds a
// sequence, 2 x epoch, that is odd while a cpuset write is in progress, so a
// worker can tell that its CPU reading overlapped a change (worker_probe.cc).
#pragma once

#include <atomic>
#include <cstdint>

namespace ktstr {

/// Owner of the shared epoch page. Not copyable; the mapping is inherited by
/// workers forked while it exists.
class CpusetEpochs {
 public:
  CpusetEpochs();
  ~CpusetEpochs();
  CpusetEpochs(const CpusetEpochs&) = delete;
  CpusetEpochs& operator=(const CpusetEpochs&) = delete;

  /// A cpuset write starts: the sequence becomes odd.
  void begin_change();
  /// The write returned: with `applied`, the next epoch starts and its number
  /// is returned; without, the sequence goes back to the current epoch.
  int end_change(bool applied);
  /// The epoch in force.
  int current() const;
  /// The sequence workers read.
  const std::atomic<std::uint64_t>* sequence() const { return seq_; }

 private:
  std::atomic<std::uint64_t>* seq_ = nullptr;
  std::atomic<std::uint64_t> fallback_{0};  ///< if the page cannot be mapped
};

}  // namespace ktstr
