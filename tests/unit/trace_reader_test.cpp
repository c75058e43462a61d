#include "sim/trace_reader.h"

#include <gtest/gtest.h>

#include "sim_test_support.h"

namespace fulcrum::sim {
namespace {

using testing::TempTraceFile;

std::vector<std::pair<std::string, int64_t>> cells_of(std::string_view line) {
  std::vector<CsvCell> cells;
  EXPECT_TRUE(split_csv_line(line, cells));
  std::vector<std::pair<std::string, int64_t>> result;
  for (const CsvCell& cell : cells) result.emplace_back(std::string(cell.text), cell.column);
  return result;
}

TEST(CsvSplitTest, CellsKeepTheirColumns) {
  using Cells = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(cells_of("ab,c,,def"), (Cells{{"ab", 1}, {"c", 4}, {"", 6}, {"def", 7}}));
  EXPECT_EQ(cells_of("x,"), (Cells{{"x", 1}, {"", 3}}));
  EXPECT_EQ(cells_of("\"a,b\",c"), (Cells{{"a,b", 1}, {"c", 7}}));
  std::vector<CsvCell> cells;
  EXPECT_FALSE(split_csv_line("\"open,b", cells));
}

TEST(ColumnMapTest, ParsesPairsAndNamesTheMalformedOne) {
  auto columns = parse_column_map("creation_time=submit,name=job");
  ASSERT_TRUE(columns.ok());
  EXPECT_EQ(columns->at("creation_time"), "submit");
  EXPECT_EQ(columns->at("name"), "job");
  auto bad = parse_column_map("name=job,creation_time");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error_message(), "column mapping \"creation_time\": expected field=column");
  EXPECT_TRUE(parse_column_map("")->empty());
}

TEST(ColumnMapTest, UnknownFieldsAreRejected) {
  std::vector<FieldSpec> fields = {{"name", "name"}, {"size", "bytes", false}};
  EXPECT_TRUE(check_column_map({{"size", "length"}}, fields).ok());
  Status status = check_column_map({{"sise", "length"}}, fields);
  EXPECT_EQ(status.message(), "column mapping: unknown field \"sise\" (fields: name, size)");
  EXPECT_EQ(column_name(fields[1], {{"size", "length"}}), "length");
  EXPECT_EQ(column_name(fields[1], {}), "bytes");
}

TEST(OnErrorTest, ParsesSkipAndStop) {
  EXPECT_EQ(*parse_on_error("skip"), OnError::kSkip);
  EXPECT_EQ(*parse_on_error("stop"), OnError::kStop);
  EXPECT_EQ(parse_on_error("ignore").error_message(),
            "--on-error: expected skip or stop, got \"ignore\"");
}

TEST(LineReaderTest, CountsLinesAndDropsCarriageReturns) {
  TempTraceFile file("lines.csv", "a\r\nb\n\nc");
  auto lines = LineReader::open(file.path());
  ASSERT_TRUE(lines.ok());
  std::vector<std::string> seen;
  while (lines->next()) seen.push_back(std::string(lines->line()));
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(lines->line_number(), 4);
  EXPECT_EQ(lines->error_at(2, "what", "bad").message(), file.path() + ":4:2: what ('bad')");
}

TEST(LineReaderTest, MissingFileNamesThePath) {
  auto lines = LineReader::open("/nonexistent/trace.csv");
  ASSERT_FALSE(lines.ok());
  EXPECT_EQ(lines.error_message(),
            "cannot open trace /nonexistent/trace.csv: No such file or directory");
}

}  // namespace
}  // namespace fulcrum::sim
