// Typed, range-checked reads of optional fields from untrusted JSON objects.
// A missing key leaves the target untouched (its default); a present key of the
// wrong type or outside [lo, hi] throws a nlohmann::json exception naming it.
// nlohmann's own get<int>() silently truncates out-of-range numbers, which is
// why integers are checked here before conversion.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ktstr::json_field {

/// Throws type_error 302 unless `j` is an object; `what` names it in the message.
void require_object(const nlohmann::json& j, const std::string& what);
/// Checks `v` is an integer in [lo, hi] and returns it; `key` names it in errors.
int to_int(const nlohmann::json& v, const std::string& key, long long lo, long long hi,
           const nlohmann::json& context);
/// Reads j[key] as an integer in [lo, hi] into `out`, if present.
void read_int(const nlohmann::json& j, const char* key, int& out, long long lo, long long hi);
/// Reads j[key] as a finite number in [lo, hi] into `out`, if present.
void read_number(const nlohmann::json& j, const char* key, double& out, double lo, double hi);
/// Reads j[key] as a string into `out`, if present.
void read_string(const nlohmann::json& j, const char* key, std::string& out);
/// Reads j[key] as a bool into `out`, if present.
void read_bool(const nlohmann::json& j, const char* key, bool& out);
/// Reads j[key] as an array of strings into `out`, if present.
void read_string_list(const nlohmann::json& j, const char* key, std::vector<std::string>& out);

}  // namespace ktstr::json_field
