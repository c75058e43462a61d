#include "sim/trace_reader.h"

#include <cerrno>
#include <charconv>
#include <cstring>

namespace fulcrum::sim {

namespace {

constexpr size_t kQuotedTextLimit = 80;

// The bad text as the error shows it: cut to a readable length.
std::string quoted_excerpt(std::string_view text) {
  if (text.size() <= kQuotedTextLimit) return std::string(text);
  return std::string(text.substr(0, kQuotedTextLimit)) + "...";
}

std::string field_list(const std::vector<FieldSpec>& fields) {
  std::string names;
  for (const FieldSpec& field : fields) names += (names.empty() ? "" : ", ") + field.name;
  return names;
}

}  // namespace

Result<OnError> parse_on_error(std::string_view text) {
  if (text == "stop") return OnError::kStop;
  if (text == "skip") return OnError::kSkip;
  return invalid_argument("--on-error: expected skip or stop, got \"" + std::string(text) + "\"");
}

Result<ColumnMap> parse_column_map(std::string_view text) {
  ColumnMap columns;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view pair = text.substr(0, comma);
    size_t equals = pair.find('=');
    if (equals == std::string_view::npos || equals == 0 || equals + 1 == pair.size()) {
      return invalid_argument("column mapping \"" + std::string(pair) +
                              "\": expected field=column");
    }
    columns[std::string(pair.substr(0, equals))] = std::string(pair.substr(equals + 1));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return columns;
}

Result<LineReader> LineReader::open(const std::string& path) {
  auto file = std::make_unique<std::ifstream>(path);
  if (!*file) {
    return not_found("cannot open trace " + path + ": " + std::strerror(errno));
  }
  return LineReader(path, std::move(file));
}

bool LineReader::next() {
  if (!std::getline(*file_, line_)) return false;
  ++line_number_;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return true;
}

Status LineReader::error_at(int64_t column, std::string_view what, std::string_view text) const {
  return invalid_argument(path_ + ":" + std::to_string(line_number_) + ":" +
                          std::to_string(column) + ": " + std::string(what) + " ('" +
                          quoted_excerpt(text) + "')");
}

Status check_column_map(const ColumnMap& columns, const std::vector<FieldSpec>& fields) {
  for (const auto& [ours, theirs] : columns) {
    bool known = false;
    for (const FieldSpec& field : fields) known |= field.name == ours;
    if (!known) {
      return invalid_argument("column mapping: unknown field \"" + ours +
                              "\" (fields: " + field_list(fields) + ")");
    }
  }
  return Status::ok_status();
}

std::string_view column_name(const FieldSpec& field, const ColumnMap& columns) {
  auto mapped = columns.find(field.name);
  return mapped == columns.end() ? std::string_view(field.default_column)
                                 : std::string_view(mapped->second);
}

bool split_csv_line(std::string_view line, std::vector<CsvCell>& cells) {
  cells.clear();
  size_t position = 0;
  while (true) {
    if (position < line.size() && line[position] == '"') {
      size_t close = position + 1;
      while (true) {
        close = line.find('"', close);
        if (close == std::string_view::npos) return false;
        if (close + 1 < line.size() && line[close + 1] == '"') {
          close += 2;  // a doubled quote inside the cell
          continue;
        }
        break;
      }
      cells.push_back(
          {line.substr(position + 1, close - position - 1), static_cast<int64_t>(position) + 1});
      position = close + 1;
      if (position >= line.size()) return true;
      if (line[position] != ',') return false;
      ++position;
      continue;
    }
    size_t comma = line.find(',', position);
    cells.push_back({line.substr(position, comma - position), static_cast<int64_t>(position) + 1});
    if (comma == std::string_view::npos) return true;
    position = comma + 1;
  }
}

Status parse_int_cell(const LineReader& lines, const CsvCell& cell, std::string_view field,
                      int64_t& value) {
  const char* end = cell.text.data() + cell.text.size();
  auto [stop, error] = std::from_chars(cell.text.data(), end, value);
  if (error != std::errc() || stop != end || cell.text.empty()) {
    return lines.error_at(cell.column, std::string(field) + ": expected an integer", cell.text);
  }
  return Status::ok_status();
}

Status parse_double_cell(const LineReader& lines, const CsvCell& cell, std::string_view field,
                         double& value) {
  const char* end = cell.text.data() + cell.text.size();
  auto [stop, error] = std::from_chars(cell.text.data(), end, value);
  if (error != std::errc() || stop != end || cell.text.empty()) {
    return lines.error_at(cell.column, std::string(field) + ": expected a number", cell.text);
  }
  return Status::ok_status();
}

Result<std::vector<std::optional<size_t>>> resolve_csv_header(const LineReader& lines,
                                                              const std::vector<FieldSpec>& fields,
                                                              const ColumnMap& columns) {
  if (Status status = check_column_map(columns, fields); !status.ok()) return status;
  std::vector<CsvCell> header;
  if (!split_csv_line(lines.line(), header)) {
    return lines.error_at(1, "header: unterminated quote", lines.line());
  }
  std::vector<std::optional<size_t>> column_of_field(fields.size());
  for (size_t field = 0; field < fields.size(); ++field) {
    std::string_view name = column_name(fields[field], columns);
    for (size_t column = 0; column < header.size(); ++column) {
      if (header[column].text == name) column_of_field[field] = column;
    }
    if (!column_of_field[field] && fields[field].required) {
      return lines.error_at(
          1, "header has no column \"" + std::string(name) + "\" for field " + fields[field].name,
          lines.line());
    }
  }
  return column_of_field;
}

}  // namespace fulcrum::sim
