#include "sim/llm_trace.h"

#include <charconv>
#include <chrono>
#include <cmath>

#include "core/yaml_reader.h"  // FULCRUM_RETURN_IF_ERROR, FULCRUM_ASSIGN_OR_RETURN

namespace fulcrum::sim {

namespace {

enum LlmField : size_t { kTimestamp, kInputTokens, kOutputTokens, kHashIds };

constexpr double kNanosPerMilli = 1e6;

// A cursor over one JSON line that reads just what a flat request object needs (strings, numbers,
// arrays of numbers) and skips any other value; every error names the column.
class JsonCursor {
 public:
  JsonCursor(std::string_view line, const LineReader& lines) : line_(line), lines_(lines) {}

  int64_t column() const { return static_cast<int64_t>(position_) + 1; }
  bool at_end() {
    skip_space();
    return position_ >= line_.size();
  }
  // Consumes `wanted` (after spaces) when it is next.
  bool take(char wanted) {
    skip_space();
    if (position_ < line_.size() && line_[position_] == wanted) {
      ++position_;
      return true;
    }
    return false;
  }
  Status expect(char wanted, std::string_view what) {
    if (take(wanted)) return Status::ok_status();
    return error(what);
  }
  Status error(std::string_view what) const {
    return lines_.error_at(column(), what, line_.substr(std::min(position_, line_.size())));
  }

  // A string without escapes other than \" (keys and simple values).
  Status string(std::string_view& text) {
    FULCRUM_RETURN_IF_ERROR(expect('"', "expected a string"));
    size_t start = position_;
    while (position_ < line_.size() && line_[position_] != '"') {
      position_ += line_[position_] == '\\' ? 2 : 1;
    }
    if (position_ >= line_.size()) return error("unterminated string");
    text = line_.substr(start, position_ - start);
    ++position_;
    return Status::ok_status();
  }

  // The text of a JSON number, checked by from_chars into `value`.
  template <typename Number>
  Status number(std::string_view field, Number& value) {
    skip_space();
    size_t start = position_;
    while (position_ < line_.size() && is_number_char(line_[position_])) ++position_;
    std::string_view text = line_.substr(start, position_ - start);
    const char* end = text.data() + text.size();
    auto [stop, failure] = std::from_chars(text.data(), end, value);
    if (text.empty() || failure != std::errc() || stop != end) {
      position_ = start;
      return lines_.error_at(column(), std::string(field) + ": expected a number",
                             text.empty() ? line_.substr(start, 16) : text);
    }
    return Status::ok_status();
  }

  Status number_array(std::string_view field, std::vector<uint64_t>& values) {
    values.clear();
    FULCRUM_RETURN_IF_ERROR(expect('[', std::string(field) + ": expected an array"));
    if (take(']')) return Status::ok_status();
    do {
      uint64_t value = 0;
      FULCRUM_RETURN_IF_ERROR(number(field, value));
      values.push_back(value);
    } while (take(','));
    return expect(']', std::string(field) + ": expected ',' or ']'");
  }

  // Skips one value of any kind, nested ones included.
  Status skip_value() {
    skip_space();
    if (position_ >= line_.size()) return error("expected a value");
    char first = line_[position_];
    if (first == '"') {
      std::string_view ignored;
      return string(ignored);
    }
    if (first != '[' && first != '{') {
      size_t start = position_;
      while (position_ < line_.size() && line_[position_] != ',' && line_[position_] != '}' &&
             line_[position_] != ']' && line_[position_] != ' ') {
        ++position_;
      }
      if (position_ == start) return error("expected a value");
      return Status::ok_status();
    }
    int depth = 0;
    while (position_ < line_.size()) {
      char current = line_[position_];
      if (current == '"') {
        std::string_view ignored;
        FULCRUM_RETURN_IF_ERROR(string(ignored));
        continue;
      }
      ++position_;
      if (current == '[' || current == '{') ++depth;
      if ((current == ']' || current == '}') && --depth == 0) return Status::ok_status();
    }
    return error("unterminated value");
  }

 private:
  static bool is_number_char(char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  }
  void skip_space() {
    while (position_ < line_.size() && (line_[position_] == ' ' || line_[position_] == '\t')) {
      ++position_;
    }
  }

  std::string_view line_;
  const LineReader& lines_;
  size_t position_ = 0;
};

// The digits text[start, start + length) as an int; false unless they are all digits.
bool read_int(std::string_view text, size_t start, size_t length, int& value) {
  if (start + length > text.size()) return false;
  const char* first = text.data() + start;
  auto [stop, failure] = std::from_chars(first, first + length, value);
  return failure == std::errc() && stop == first + length;
}

Status non_negative(const LineReader& lines, int64_t column, std::string_view field,
                    int64_t value) {
  if (value >= 0) return Status::ok_status();
  return lines.error_at(column, std::string(field) + ": must be >= 0", std::to_string(value));
}

}  // namespace

Result<LlmTraceFormat> parse_llm_trace_format(std::string_view name) {
  if (name == "mooncake") return LlmTraceFormat::kMooncake;
  if (name == "azure") return LlmTraceFormat::kAzure;
  return invalid_argument("--trace: expected mooncake or azure, got \"" + std::string(name) + "\"");
}

std::string default_llm_trace_path(LlmTraceFormat format) {
  return format == LlmTraceFormat::kAzure
             ? "../shared/data/azure-llm-2023/AzureLLMInferenceTrace_conv.csv"
             : "../shared/data/mooncake-fast25/conversation_trace.jsonl";
}

std::optional<Nanos> parse_date_time(std::string_view text) {
  // YYYY-MM-DD HH:MM:SS[.fraction]
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 19 || text[4] != '-' || text[7] != '-' ||
      (text[10] != ' ' && text[10] != 'T') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  if (!read_int(text, 0, 4, year) || !read_int(text, 5, 2, month) || !read_int(text, 8, 2, day) ||
      !read_int(text, 11, 2, hour) || !read_int(text, 14, 2, minute) ||
      !read_int(text, 17, 2, second) || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year{year},
                                   std::chrono::month{static_cast<unsigned>(month)},
                                   std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  int64_t fraction_nanos = 0;
  if (text.size() > 19) {
    std::string_view fraction = text.substr(20);
    if (text[19] != '.' || fraction.empty() || fraction.size() > 9) return std::nullopt;
    for (char digit : fraction) {
      if (digit < '0' || digit > '9') return std::nullopt;
      fraction_nanos = fraction_nanos * 10 + (digit - '0');
    }
    for (size_t scale = fraction.size(); scale < 9; ++scale) fraction_nanos *= 10;
  }
  auto days = std::chrono::sys_days(date).time_since_epoch();
  return std::chrono::duration_cast<Nanos>(days) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second) + Nanos(fraction_nanos);
}

const std::vector<FieldSpec>& MooncakeReader::fields() {
  static const std::vector<FieldSpec> specs = {{"timestamp", "timestamp"},
                                               {"input_tokens", "input_length"},
                                               {"output_tokens", "output_length"},
                                               {"hash_ids", "hash_ids", false}};
  return specs;
}

Result<std::unique_ptr<MooncakeReader>> MooncakeReader::open(const std::string& path,
                                                             ReaderOptions options) {
  if (Status status = check_column_map(options.columns, fields()); !status.ok()) return status;
  auto lines = LineReader::open(path);
  if (!lines.ok()) return lines.status();
  return std::unique_ptr<MooncakeReader>(new MooncakeReader(std::move(*lines), std::move(options)));
}

Status MooncakeReader::parse_line(std::string_view line, LlmRequest& request) {
  const auto& specs = fields();
  JsonCursor cursor(line, lines_);
  request.hash_ids.clear();
  bool seen[4] = {false, false, false, false};
  double timestamp_ms = 0;
  FULCRUM_RETURN_IF_ERROR(cursor.expect('{', "expected a JSON object"));
  if (!cursor.take('}')) {
    do {
      std::string_view key;
      FULCRUM_RETURN_IF_ERROR(cursor.string(key));
      FULCRUM_RETURN_IF_ERROR(cursor.expect(':', "expected ':'"));
      size_t field = 0;
      while (field < specs.size() && key != column_name(specs[field], options_.columns)) ++field;
      int64_t column = cursor.column();
      switch (field) {
        case kTimestamp:
          FULCRUM_RETURN_IF_ERROR(cursor.number(specs[field].name, timestamp_ms));
          if (!std::isfinite(timestamp_ms) || timestamp_ms < 0) {
            return lines_.error_at(column, "timestamp: must be a finite number >= 0", line);
          }
          break;
        case kInputTokens:
          FULCRUM_RETURN_IF_ERROR(cursor.number(specs[field].name, request.input_tokens));
          FULCRUM_RETURN_IF_ERROR(
              non_negative(lines_, column, specs[field].name, request.input_tokens));
          break;
        case kOutputTokens:
          FULCRUM_RETURN_IF_ERROR(cursor.number(specs[field].name, request.output_tokens));
          FULCRUM_RETURN_IF_ERROR(
              non_negative(lines_, column, specs[field].name, request.output_tokens));
          break;
        case kHashIds:
          FULCRUM_RETURN_IF_ERROR(cursor.number_array(specs[field].name, request.hash_ids));
          break;
        default: FULCRUM_RETURN_IF_ERROR(cursor.skip_value()); continue;
      }
      seen[field] = true;
    } while (cursor.take(','));
    FULCRUM_RETURN_IF_ERROR(cursor.expect('}', "expected ',' or '}'"));
  }
  if (!cursor.at_end()) return cursor.error("text after the object");
  for (size_t field = 0; field < specs.size(); ++field) {
    if (!seen[field] && specs[field].required) {
      return lines_.error_at(
          1, "missing key \"" + std::string(column_name(specs[field], options_.columns)) + "\"",
          line);
    }
  }
  if (!first_timestamp_ms_) first_timestamp_ms_ = timestamp_ms;
  request.arrival = Nanos(std::llround((timestamp_ms - *first_timestamp_ms_) * kNanosPerMilli));
  return Status::ok_status();
}

const std::vector<FieldSpec>& AzureLlmReader::fields() {
  static const std::vector<FieldSpec> specs = {{"timestamp", "TIMESTAMP"},
                                               {"input_tokens", "ContextTokens"},
                                               {"output_tokens", "GeneratedTokens"}};
  return specs;
}

Result<std::unique_ptr<AzureLlmReader>> AzureLlmReader::open(const std::string& path,
                                                             ReaderOptions options) {
  auto lines = LineReader::open(path);
  if (!lines.ok()) return lines.status();
  std::unique_ptr<AzureLlmReader> reader(new AzureLlmReader(std::move(*lines), std::move(options)));
  if (Status status = reader->read_csv_header(fields()); !status.ok()) return status;
  return reader;
}

Status AzureLlmReader::parse_line(std::string_view line, LlmRequest& request) {
  FULCRUM_RETURN_IF_ERROR(split_cells(line));
  const auto& specs = fields();
  auto stamp = cell_of(kTimestamp, specs);
  if (!stamp.ok()) return stamp.status();
  std::optional<Nanos> time = parse_date_time((*stamp)->text);
  if (!time) {
    double seconds = 0;
    Status numeric = parse_double_cell(lines_, **stamp, "timestamp", seconds);
    if (!numeric.ok() || !std::isfinite(seconds) || seconds < 0) {
      return lines_.error_at((*stamp)->column,
                             "timestamp: expected YYYY-MM-DD HH:MM:SS[.fraction] or seconds >= 0",
                             (*stamp)->text);
    }
    time = Nanos(std::llround(seconds * 1e9));
  }
  for (size_t field : {kInputTokens, kOutputTokens}) {
    auto cell = cell_of(field, specs);
    if (!cell.ok()) return cell.status();
    int64_t& value = field == kInputTokens ? request.input_tokens : request.output_tokens;
    FULCRUM_RETURN_IF_ERROR(parse_int_cell(lines_, **cell, specs[field].name, value));
    FULCRUM_RETURN_IF_ERROR(non_negative(lines_, (*cell)->column, specs[field].name, value));
  }
  request.hash_ids.clear();
  if (!first_timestamp_) first_timestamp_ = *time;
  request.arrival = *time - *first_timestamp_;
  return Status::ok_status();
}

Result<std::unique_ptr<RecordReader<LlmRequest>>> open_llm_trace(LlmTraceFormat format,
                                                                 const std::string& path,
                                                                 ReaderOptions options) {
  if (format == LlmTraceFormat::kAzure) {
    auto reader = AzureLlmReader::open(path, std::move(options));
    if (!reader.ok()) return reader.status();
    return std::unique_ptr<RecordReader<LlmRequest>>(std::move(*reader));
  }
  auto reader = MooncakeReader::open(path, std::move(options));
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<RecordReader<LlmRequest>>(std::move(*reader));
}

}  // namespace fulcrum::sim
