// Flag profiles: a scheduler's [scheduler.NAME.flags.FLAG] tables combined
// into every allowed set of flags. The profiles of a test are the power set
// of its scheduler's flags minus the sets that break a flag's `requires`
// (every required flag present) or `excludes` (never together, whichever of
// the two declares it), constrained by the test's `required_flags` (all
// present) and `excluded_flags` (none present).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ktstr {

struct Catalog;
struct Entity;

/// One declared flag of a scheduler.
struct FlagDecl {
  std::string name;
  std::vector<std::string> args;       ///< appended to the scheduler's args
  std::vector<std::string> requires_;  ///< flags that must be in the same profile
  std::vector<std::string> excludes;   ///< flags that may not be in the same profile
};

/// One combination of flags a test runs with.
struct FlagProfile {
  std::vector<std::string> flags;  ///< in the scheduler's declaration order
  std::vector<std::string> args;   ///< the flags' args, in the same order
  /// The stable name: the flags joined with '+' ("llc+steal"); "" for none.
  std::string name() const;
};

/// More flags than this on one scheduler is refused (2^12 = 4096 profiles).
inline constexpr std::size_t kMaxSchedulerFlags = 12;

/// The flags of `scheduler` in declaration order (the order of their tables
/// in the file), or none for a scheduler without [flags].
std::vector<FlagDecl> declared_flags(const Catalog& catalog, const Entity& scheduler);

/// Every allowed profile, ordered by size, then by the declaration order of
/// its flags ({}, llc, fifo, llc+steal, llc+fifo). A scheduler without flags
/// has the single empty profile. Unknown names in `required`/`excluded` are
/// the resolver's error, not this function's: they are ignored here.
std::vector<FlagProfile> flag_profiles(const std::vector<FlagDecl>& flags,
                                       const std::vector<std::string>& required,
                                       const std::vector<std::string>& excluded);

}  // namespace ktstr
