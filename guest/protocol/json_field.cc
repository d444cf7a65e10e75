#include "guest/protocol/json_field.h"

#include <cmath>

namespace ktstr::json_field {

namespace {

[[noreturn]] void wrong_type(const nlohmann::json& j, const std::string& key, const char* want) {
  throw nlohmann::json::type_error::create(
      302, "'" + key + "' must be " + want + ", not " + j.at(key).type_name(), &j);
}

}  // namespace

void require_object(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) {
    throw nlohmann::json::type_error::create(
        302, what + " must be an object, not " + std::string(j.type_name()), &j);
  }
}

int to_int(const nlohmann::json& v, const std::string& key, long long lo, long long hi,
           const nlohmann::json& context) {
  bool in_range = false;
  long long value = 0;
  if (v.is_number_unsigned()) {
    auto u = v.get<unsigned long long>();
    in_range = u <= static_cast<unsigned long long>(hi) && static_cast<long long>(u) >= lo;
    value = static_cast<long long>(u);
  } else if (v.is_number_integer()) {
    value = v.get<long long>();
    in_range = value >= lo && value <= hi;
  } else {
    throw nlohmann::json::type_error::create(
        302, "'" + key + "' must be an integer, not " + std::string(v.type_name()), &context);
  }
  if (!in_range) {
    throw nlohmann::json::out_of_range::create(406,
                                               "'" + key + "' = " + v.dump() + " is outside [" +
                                                   std::to_string(lo) + ", " + std::to_string(hi) +
                                                   "]",
                                               &context);
  }
  return static_cast<int>(value);
}

void read_int(const nlohmann::json& j, const char* key, int& out, long long lo, long long hi) {
  if (!j.contains(key)) return;
  out = to_int(j.at(key), key, lo, hi, j);
}

void read_number(const nlohmann::json& j, const char* key, double& out, double lo, double hi) {
  if (!j.contains(key)) return;
  const auto& v = j.at(key);
  if (!v.is_number()) wrong_type(j, key, "a number");
  double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    throw nlohmann::json::out_of_range::create(406,
                                               "'" + std::string(key) + "' = " + v.dump() +
                                                   " is outside [" + nlohmann::json(lo).dump() +
                                                   ", " + nlohmann::json(hi).dump() + "]",
                                               &j);
  }
  out = d;
}

void read_string(const nlohmann::json& j, const char* key, std::string& out) {
  if (!j.contains(key)) return;
  if (!j.at(key).is_string()) wrong_type(j, key, "a string");
  out = j.at(key).get<std::string>();
}

void read_bool(const nlohmann::json& j, const char* key, bool& out) {
  if (!j.contains(key)) return;
  if (!j.at(key).is_boolean()) wrong_type(j, key, "a boolean");
  out = j.at(key).get<bool>();
}

void read_string_list(const nlohmann::json& j, const char* key, std::vector<std::string>& out) {
  if (!j.contains(key)) return;
  const auto& v = j.at(key);
  if (!v.is_array()) wrong_type(j, key, "an array of strings");
  std::vector<std::string> result;
  result.reserve(v.size());
  for (const auto& item : v) {
    if (!item.is_string()) wrong_type(j, key, "an array of strings");
    result.push_back(item.get<std::string>());
  }
  out = std::move(result);
}

}  // namespace ktstr::json_field
