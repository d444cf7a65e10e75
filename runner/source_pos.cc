#include "runner/source_pos.h"

#include <fmt/format.h>

namespace ktstr {

std::string SourcePos::str() const {
  if (line <= 0) return file;
  if (col <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, col);
}

std::string SourcePos::file_line() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}", file, line);
}

}  // namespace ktstr
