# Writes the schema text into a C++ source as a raw string literal.
file(READ ${IN} KTSTR_SCHEMA_TEXT)
file(WRITE ${OUT} "// Generated from schema/ktstr-spec.schema.json. Do not edit.\n"
  "#include <string_view>\nnamespace ktstr {\n"
  "extern const std::string_view kSpecSchemaText;\n"
  "const std::string_view kSpecSchemaText = R\"KTSTR_SCHEMA(${KTSTR_SCHEMA_TEXT})KTSTR_SCHEMA\";\n"
  "}  // namespace ktstr\n")
