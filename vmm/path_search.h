// The PATH lookup of a bare program or file name, as a shell does it. The one
// lookup of the project: spawning (vmm/subprocess.h), have_program, include
// files and scheduler binaries all call find_on_path.
#pragma once

#include <filesystem>
#include <string_view>

namespace ktstr {

/// What a PATH entry must be to match.
enum class PathMatch {
  kRegularFile,  ///< a file to copy (include files, scheduler binaries)
  kExecutable,   ///< a program to run: a regular file we may execute (X_OK)
};

/// The first `dir/name` that matches, for each dir of `path_env`
/// (colon-separated; an empty entry is "."; null = "/usr/local/bin:/usr/bin:/bin").
/// Empty when there is none.
std::filesystem::path find_on_path(std::string_view name, const char* path_env,
                                   PathMatch match = PathMatch::kRegularFile);

/// find_on_path(name, getenv("PATH"), match).
std::filesystem::path find_on_path(std::string_view name,
                                   PathMatch match = PathMatch::kRegularFile);

}  // namespace ktstr
