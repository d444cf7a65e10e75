#include "plan/test_instance.h"

#include <fmt/format.h>

namespace ktstr {

std::string TestInstance::display_name() const {
  std::string s = name;
  if (replicas > 1) s += fmt::format(" (replica {}/{})", replica, replicas);
  if (repetitions > 1) s += fmt::format(" (run {}/{})", repetition, repetitions);
  return s;
}

}  // namespace ktstr
