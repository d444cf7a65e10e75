// A file that a reader (a CI job, `stats`, a person with `cat`) sees whole or
// not at all: written to a temporary file in the same directory, flushed to
// disk, then renamed over the target. Used for summary.json, junit.xml and
// the run store's files. A failed write leaves the old file (if any) and no
// temporary behind.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ktstr {

/// Writes `bytes` to `path` atomically (temporary "PATH.tmp.PID.N" + fsync +
/// rename). Returns "" on success, else what failed and where ("write
/// /x/junit.xml: No such file or directory").
std::string write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace ktstr
