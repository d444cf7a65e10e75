#include "store/store_file.h"

#include "report/atomic_write.h"

namespace ktstr {

std::string write_store_file(const std::filesystem::path& path, const std::string& bytes) {
  return write_file_atomically(path, bytes);
}

std::string write_store_json(const std::filesystem::path& path, const nlohmann::json& value) {
  return write_store_file(
      path, value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace ktstr
