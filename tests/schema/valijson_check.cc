// Validates JSON documents against the spec schema with valijson, the
// validator the runner's spec loader uses.
//
// valijson 1.0 has quirks other validators do not share (for example it
// mis-parses `propertyNames` at the top of a $ref target), so the schema is
// checked here with the real thing, not only with python3-jsonschema and
// Taplo. The schema is parsed once as draft-07; each document argument is a
// JSON file (the driver converts TOML fixtures to JSON first). One line per
// document: "VALID <file>" or "INVALID <file>: <first error>".
//
// Usage: schema_valijson_check SCHEMA.json DOC.json...
// Exit status: 0 when every document was read (valid or not), 2 on usage or
// I/O errors.

#include <fstream>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace {

/// Reads and parses one JSON file; false (with a message) on failure.
bool read_json(const char* path, nlohmann::json& out) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "schema_valijson_check: cannot open " << path << "\n";
    return false;
  }
  out = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) {
    std::cerr << "schema_valijson_check: " << path << ": not valid JSON\n";
    return false;
  }
  return true;
}

/// Formats valijson's innermost error as "<root>[a][b]: description".
std::string first_error(valijson::ValidationResults& results) {
  valijson::ValidationResults::Error error;
  if (!results.popError(error)) return "(no error reported)";
  std::string where;
  for (const std::string& part : error.context) where += part;
  return where + ": " + error.description;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: schema_valijson_check SCHEMA.json DOC.json...\n";
    return 2;
  }
  nlohmann::json schema_json;
  if (!read_json(argv[1], schema_json)) return 2;
  valijson::Schema schema;
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema_json);
    parser.populateSchema(adapter, schema);
  } catch (const std::exception& e) {
    std::cerr << "schema_valijson_check: " << argv[1]
              << ": valijson rejects the schema: " << e.what() << "\n";
    return 2;
  }
  for (int i = 2; i < argc; ++i) {
    nlohmann::json doc;
    if (!read_json(argv[i], doc)) return 2;
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter adapter(doc);
    if (validator.validate(schema, adapter, &results)) {
      std::cout << "VALID " << argv[i] << "\n";
    } else {
      std::cout << "INVALID " << argv[i] << ": " << first_error(results) << "\n";
    }
  }
  return 0;
}
