// Lenient reads of spec JSON for the rule checks: specs are user input, and a
// value of the wrong type is already reported by the schema, so these return
// the fallback instead of throwing (nlohmann's value() throws on a type clash).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ktstr {

/// `obj[key]` when it is a string, else `fallback`.
inline std::string json_str(const nlohmann::json& obj, const char* key, std::string fallback = {}) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  return (it != obj.end() && it->is_string()) ? it->get<std::string>() : fallback;
}

/// `obj[key]` when it is an integer that fits an int, else `fallback`.
inline int json_int(const nlohmann::json& obj, const char* key, int fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return fallback;
  const auto v = it->get<long long>();
  return (v < INT32_MIN || v > INT32_MAX) ? fallback : static_cast<int>(v);
}

}  // namespace ktstr
