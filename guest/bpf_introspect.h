// The sched_ext scheduler's BPF programs and maps, read in the guest through
// libbpf for the failure dump (docs/failure-dumps.md).
//
// Right after the attach, BpfIntrospect records the kernel's struct_ops
// programs loaded since the scheduler started and opens an fd on every map
// they use. Holding those fds keeps the maps alive after the loader exits
// (scx loaders detach and exit right after an scx_bpf_error), so that a dump
// taken later still reads the values the scheduler left. dump_maps() walks
// each kept map (bounded) and renders keys and values with their BTF types
// through libbpf's btf_dump; a DATASEC value (.bss/.data/.rodata) becomes one
// `name = value` line per global variable; no BTF gives hex bytes.
#pragma once

#include <bpf/btf.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ktstr {

/// Bounds on a map dump: what is cut is counted and marked "truncated".
struct BpfDumpLimits {
  std::size_t entries_per_map = 64;      ///< entries read per map
  std::size_t bytes_per_map = 8 * 1024;  ///< rendered text per map
  std::size_t bytes_total = 64 * 1024;   ///< rendered text over all maps
};

/// libbpf's short name of a map type ("array", "percpu_array", "hash", ...).
std::string bpf_map_type_name(std::uint32_t type);

/// `size` bytes as lowercase hex pairs separated by spaces.
std::string hex_bytes(const void* data, std::size_t size);

/// `data` rendered as BTF type `type_id` of `btf` (compact, with member
/// names; no type casts). A DATASEC renders one `name = value` line per
/// variable. Falls back to hex_bytes when the type cannot render the bytes.
std::string render_btf_value(const struct btf* btf, std::uint32_t type_id, const void* data,
                             std::size_t size);

/// The scheduler's struct_ops programs and the maps they use, kept open.
class BpfIntrospect {
 public:
  BpfIntrospect() = default;
  ~BpfIntrospect();  ///< closes the kept map fds
  BpfIntrospect(const BpfIntrospect&) = delete;
  BpfIntrospect& operator=(const BpfIntrospect&) = delete;

  /// Records every struct_ops program loaded at or after `since_boot_ns`
  /// (CLOCK_BOOTTIME) and opens its maps. False with `error` when the kernel
  /// refuses the enumeration (no bpf(), no privilege).
  bool capture(std::uint64_t since_boot_ns, std::string& error);

  /// [{"id","name","type":"struct_ops","verified_insns","xlated_bytes","jited_bytes"}]
  nlohmann::json programs() const { return programs_; }

  /// Every kept map: [{"id","name","type","key_size","value_size","max_entries",
  /// "entries","values","truncated"}], within `limits`.
  nlohmann::json dump_maps(const BpfDumpLimits& limits) const;

  /// How many maps are kept open.
  std::size_t map_count() const { return map_fds_.size(); }

 private:
  nlohmann::json programs_ = nlohmann::json::array();
  std::vector<int> map_fds_;
};

}  // namespace ktstr
