#include "core/yaml_reader.h"

#include <gtest/gtest.h>

namespace fulcrum {
namespace {

YamlValue parse_ok(const char* text) {
  auto value = YamlValue::parse(text, "f.yaml");
  EXPECT_TRUE(value.ok()) << value.error_message();
  return *value;
}

TEST(YamlValueTest, PathsAndLinesFollowNesting) {
  YamlValue root = parse_ok("a:\n  b:\n    - x\n    - {c: 5}\n");
  YamlValue c = root["a"]["b"].items()[1]["c"];
  EXPECT_EQ(c.path(), "a.b[1].c");
  EXPECT_EQ(c.line(), 4);
  EXPECT_EQ(*c.as_int(0, 10), 5);
  EXPECT_EQ(c.as_int(6, 10).error_message(),
            "f.yaml:4: a.b[1].c: expected an integer in [6, 10], got \"5\"");
}

TEST(YamlValueTest, AbsentKeysAreNullAtTheParentLine) {
  YamlValue root = parse_ok("x: 1\nmap:\n  y: 2\n");
  YamlValue missing = root["map"]["z"];
  EXPECT_TRUE(missing.is_null());
  EXPECT_FALSE(root["map"].has("z"));
  EXPECT_EQ(missing.line(), 3);
  EXPECT_EQ(missing.as_string().error_message(), "f.yaml:3: map.z: expected a string, got nothing");
}

TEST(YamlValueTest, ScalarsConvertWithNamedErrors) {
  YamlValue root = parse_ok("flag: yes\nratio: 0.5\nname: [1, 2]\nlist: [a, b]\nlabels: {k: v}\n");
  EXPECT_TRUE(*root["flag"].as_bool());
  EXPECT_EQ(*root["ratio"].as_double(0, 1), 0.5);
  EXPECT_EQ(root["ratio"].as_double(1, 2).error_message(),
            "f.yaml:2: ratio: expected a number in [1, 2], got \"0.5\"");
  EXPECT_EQ(root["name"].as_string().error_message(),
            "f.yaml:3: name: expected a string, got a list");
  EXPECT_EQ(*root["list"].as_string_list(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(root["labels"].as_string_map()->at("k"), "v");
  EXPECT_EQ(root["ratio"].as_bool().error_message(),
            "f.yaml:2: ratio: expected true or false, got \"0.5\"");
}

TEST(YamlValueTest, ExpectMapNamesUnknownKeyAtItsLine) {
  YamlValue root = parse_ok("known: 1\n\ntypo: 2\n");
  Status status = root.expect_map({"known", "other"});
  EXPECT_EQ(status.message(), "f.yaml:3: typo: unknown key (expected one of: known, other)");
  EXPECT_TRUE(root.expect_map({"known", "typo"}).ok());
}

TEST(YamlValueTest, SyntaxErrorsNameTheLine) {
  auto value = YamlValue::parse("a: 1\nb: [2\nc: 3\n", "bad.yaml");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error_message().rfind("bad.yaml:", 0), 0u) << value.error_message();
}

TEST(ReadTextFileTest, MissingFileIsNamed) {
  EXPECT_EQ(read_text_file("/no/such/file.yaml").error_message(),
            "/no/such/file.yaml: no such file");
}

}  // namespace
}  // namespace fulcrum
