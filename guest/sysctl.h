// Applies the test's sysctls ("kernel.sched_autogroup_enabled" = "0") by
// writing /proc/sys files, before the scheduler and the scenario start.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace ktstr {

/// The /proc/sys file for a dotted sysctl key under `proc` (normally "/proc"),
/// or "" when the key is not a plain dotted name (empty parts, "/", "..").
std::string sysctl_path(const std::filesystem::path& proc, const std::string& key);

/// Writes every sysctl; returns one message per failure, naming the sysctl,
/// the value and the errno text, e.g. "sysctl kernel.nope = '1': open
/// /proc/sys/kernel/nope: No such file or directory (this kernel has no such
/// sysctl)". Any failure is the test's setup failing (the agent makes the
/// result an error). Values are written as given: the host writes booleans as 1/0.
std::vector<std::string> apply_sysctls(const std::filesystem::path& proc,
                                       const std::map<std::string, std::string>& sysctls);

}  // namespace ktstr
