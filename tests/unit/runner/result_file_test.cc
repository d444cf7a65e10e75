#include "runner/result_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace ktstr {
namespace {

namespace fs = std::filesystem;

class ResultFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ktstr_result_file_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  fs::path dir_;
};

TEST_F(ResultFileTest, InvalidUtf8IsReplacedAndControlsAreJsonEscaped) {
  const fs::path p = dir_ / "result.json";
  // nlohmann's plain dump() throws type_error.316 on this value.
  nlohmann::json j = {{"console_tail", "\xff\n"}, {"detail", "\x1b]0;owned\x07\r"}};
  EXPECT_EQ(write_json_file(p, j), "");
  const std::string text = read(p);
  nlohmann::json back = nlohmann::json::parse(text);  // strict: throws on invalid UTF-8
  EXPECT_EQ(back["console_tail"], "\xEF\xBF\xBD\n");
  EXPECT_EQ(back["detail"], "\x1b]0;owned\x07\r");
  EXPECT_NE(text.find("\\u001b]0;owned\\u0007\\r"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1)
      << "temporary file left behind";
}

TEST_F(ResultFileTest, AFailedWriteSaysWhereAndKeepsTheOldFile) {
  const fs::path p = dir_ / "result.json";
  EXPECT_EQ(write_json_file(p, {{"v", 1}}), "");
  fs::create_directories(dir_ / ("result.json.tmp." + std::to_string(getpid())));  // blocks the tmp
  const std::string error = write_json_file(p, {{"v", 2}});
  EXPECT_TRUE(error.starts_with("write " + p.string() + ": ")) << error;
  EXPECT_EQ(nlohmann::json::parse(read(p))["v"], 1);
  const std::string missing = write_json_file(dir_ / "no" / "such" / "r.json", {{"v", 1}});
  EXPECT_NE(missing.find("No such file or directory"), std::string::npos) << missing;
}

}  // namespace
}  // namespace ktstr
