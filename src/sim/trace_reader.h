// Streaming trace readers: one line at a time from an ifstream (a trace is never loaded whole),
// with an error policy: `stop` returns the first malformed record as an error, `skip` counts it and
// goes on. Every error names the place as FILE:LINE:COLUMN: <what> ('<bad text>'), column 1-based.
//
// CSV traces are read through a column mapping (our field name -> the file's header name), so a
// reader written for one trace reads another of the same kind whose columns are named otherwise.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace fulcrum::sim {

enum class OnError { kStop, kSkip };

// "stop" or "skip"; the error names the bad value.
Result<OnError> parse_on_error(std::string_view text);

// Our field name -> the name of the file's column (CSV header) or key (JSONL).
using ColumnMap = std::map<std::string, std::string, std::less<>>;

// "ours=theirs,ours2=theirs2" -> the map; the error names the malformed pair.
Result<ColumnMap> parse_column_map(std::string_view text);

struct ReaderOptions {
  OnError on_error = OnError::kStop;
  ColumnMap columns;  // overrides of the default names; unknown fields are an error
};

struct ReadStats {
  static constexpr size_t kKeptMessages = 10;

  int64_t lines = 0;                          // lines read, header included
  int64_t records = 0;                        // records returned
  int64_t skipped = 0;                        // malformed lines passed over under OnError::kSkip
  std::vector<std::string> skipped_messages;  // the first kKeptMessages of them
};

// A file read line by line, knowing where it is.
class LineReader {
 public:
  static Result<LineReader> open(const std::string& path);

  // Reads the next line (a trailing '\r' removed); false at the end of the file.
  bool next();
  std::string_view line() const { return line_; }
  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

  // "PATH:LINE:COLUMN: what ('text')".
  Status error_at(int64_t column, std::string_view what, std::string_view text) const;

 private:
  LineReader(std::string path, std::unique_ptr<std::ifstream> file)
      : path_(std::move(path)), file_(std::move(file)) {}

  std::string path_;
  std::unique_ptr<std::ifstream> file_;
  std::string line_;
  int64_t line_number_ = 0;
};

// A field a reader knows: our name, the default column name in the file, and whether it must be
// there.
struct FieldSpec {
  std::string name;
  std::string default_column;
  bool required = true;
};

// Checks every key of `columns` names a field of `fields`; the error lists the known fields.
Status check_column_map(const ColumnMap& columns, const std::vector<FieldSpec>& fields);
// The column (or key) name of `field` under `columns`.
std::string_view column_name(const FieldSpec& field, const ColumnMap& columns);

// One cell of a CSV line: its text (quotes removed) and the 1-based column where it starts.
struct CsvCell {
  std::string_view text;
  int64_t column = 0;
};

// Splits one CSV line into cells. Quoted cells ("a,b") lose their quotes; a doubled quote inside
// stays doubled (the traces read here have none). Returns false on an unterminated quote.
bool split_csv_line(std::string_view line, std::vector<CsvCell>& cells);

// Strict numbers: the whole text must be the number. The error names `field` and the text.
Status parse_int_cell(const LineReader& lines, const CsvCell& cell, std::string_view field,
                      int64_t& value);
Status parse_double_cell(const LineReader& lines, const CsvCell& cell, std::string_view field,
                         double& value);

// The records of a trace, pulled one by one. A concrete reader parses one line in parse_line;
// next() applies the error policy and counts.
template <typename Record>
class RecordReader {
 public:
  virtual ~RecordReader() = default;

  // True and `record` filled; false at the end of the file; an error under OnError::kStop.
  Result<bool> next(Record& record) {
    while (lines_.next()) {
      ++stats_.lines;
      if (is_blank(lines_.line())) continue;
      Status parsed = parse_line(lines_.line(), record);
      if (parsed.ok()) {
        ++stats_.records;
        return true;
      }
      if (options_.on_error == OnError::kStop) return parsed;
      ++stats_.skipped;
      if (stats_.skipped_messages.size() < ReadStats::kKeptMessages) {
        stats_.skipped_messages.push_back(parsed.message());
      }
    }
    return false;
  }

  const ReadStats& stats() const { return stats_; }
  const std::string& path() const { return lines_.path(); }

 protected:
  RecordReader(LineReader lines, ReaderOptions options)
      : lines_(std::move(lines)), options_(std::move(options)) {}

  // Parses one non-blank line into `record`; an error names the column (lines_.error_at).
  virtual Status parse_line(std::string_view line, Record& record) = 0;

  // Splits a CSV line into cells_; an unterminated quote is an error.
  Status split_cells(std::string_view line) {
    if (split_csv_line(line, cells_)) return Status::ok_status();
    return lines_.error_at(static_cast<int64_t>(line.size()) + 1, "unterminated quote", line);
  }
  // Reads the header line of a CSV file and finds the column of every field; a missing optional
  // field gets nullopt. Called once by a CSV reader's factory.
  Status read_csv_header(const std::vector<FieldSpec>& fields);
  // The cell of `field` (its index in the FieldSpec list) in `cells`, or nullopt when the
  // optional column is absent from the file. A line with too few cells is an error.
  Result<std::optional<CsvCell>> cell_of(size_t field, const std::vector<FieldSpec>& fields) const;

  LineReader lines_;
  ReaderOptions options_;
  ReadStats stats_;
  std::vector<std::optional<size_t>> column_of_field_;  // CSV: field -> index in the header
  std::vector<CsvCell> cells_;                          // CSV: the cells of the current line

 private:
  static bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t") == std::string_view::npos;
  }
};

// Reads every record (a convenience for callers that need them all, such as a replay).
template <typename Record>
Result<std::vector<Record>> read_all(RecordReader<Record>& reader, int64_t limit = 0) {
  std::vector<Record> records;
  Record record;
  while (limit <= 0 || static_cast<int64_t>(records.size()) < limit) {
    Result<bool> more = reader.next(record);
    if (!more.ok()) return more.status();
    if (!*more) break;
    records.push_back(std::move(record));
    record = Record{};
  }
  return records;
}

// Header handling shared by the CSV readers (a free function so the template stays small).
Result<std::vector<std::optional<size_t>>> resolve_csv_header(const LineReader& lines,
                                                              const std::vector<FieldSpec>& fields,
                                                              const ColumnMap& columns);

template <typename Record>
Status RecordReader<Record>::read_csv_header(const std::vector<FieldSpec>& fields) {
  if (!lines_.next()) return invalid_argument(lines_.path() + ": empty file, expected a header");
  ++stats_.lines;
  auto resolved = resolve_csv_header(lines_, fields, options_.columns);
  if (!resolved.ok()) return resolved.status();
  column_of_field_ = std::move(*resolved);
  return Status::ok_status();
}

template <typename Record>
Result<std::optional<CsvCell>> RecordReader<Record>::cell_of(
    size_t field, const std::vector<FieldSpec>& fields) const {
  const std::optional<size_t>& column = column_of_field_[field];
  if (!column) return std::optional<CsvCell>();
  if (*column >= cells_.size()) {
    int64_t end = static_cast<int64_t>(lines_.line().size()) + 1;
    return lines_.error_at(end,
                           "missing " + fields[field].name + " (expected " +
                               std::to_string(*column + 1) + " cells, found " +
                               std::to_string(cells_.size()) + ")",
                           lines_.line());
  }
  return std::optional<CsvCell>(cells_[*column]);
}

}  // namespace fulcrum::sim
