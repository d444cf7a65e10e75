// The PATH lookup of a bare program or file name, as a shell does it.
#pragma once

#include <filesystem>
#include <string_view>

namespace ktstr {

/// The first `dir/name` that is a regular file, for each dir of `path_env`
/// (colon-separated; an empty entry is "."; null = "/usr/local/bin:/usr/bin:/bin").
/// Empty when there is none.
std::filesystem::path find_on_path(std::string_view name, const char* path_env);

}  // namespace ktstr
