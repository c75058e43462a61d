// Readers for LLM request traces, both yielding LlmRequest (arrival from the first request):
//   mooncake  JSONL, one object a line: {"timestamp": ms, "input_length": N, "output_length": N,
//             "hash_ids": [...]}  (Mooncake FAST'25; 512-token prefix blocks)
//   azure     CSV: TIMESTAMP ("2023-11-16 18:15:46.6805900", or plain seconds), ContextTokens,
//             GeneratedTokens (Azure LLM inference trace 2023, Splitwise ISCA'24)
// Our field names are timestamp, input_tokens, output_tokens and hash_ids (mooncake only); a
// ColumnMap maps them onto another trace's keys or header names.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace_reader.h"
#include "sim/workload.h"

namespace fulcrum::sim {

enum class LlmTraceFormat { kMooncake, kAzure };

// "mooncake" or "azure"; the error names the bad value.
Result<LlmTraceFormat> parse_llm_trace_format(std::string_view name);
// The real trace of that format, relative to the project root (../shared/data/...).
std::string default_llm_trace_path(LlmTraceFormat format);

class MooncakeReader final : public RecordReader<LlmRequest> {
 public:
  static Result<std::unique_ptr<MooncakeReader>> open(const std::string& path,
                                                      ReaderOptions options = {});
  static const std::vector<FieldSpec>& fields();

 private:
  using RecordReader::RecordReader;
  Status parse_line(std::string_view line, LlmRequest& request) override;
  std::optional<double> first_timestamp_ms_;
};

class AzureLlmReader final : public RecordReader<LlmRequest> {
 public:
  static Result<std::unique_ptr<AzureLlmReader>> open(const std::string& path,
                                                      ReaderOptions options = {});
  static const std::vector<FieldSpec>& fields();

 private:
  using RecordReader::RecordReader;
  Status parse_line(std::string_view line, LlmRequest& request) override;
  std::optional<Nanos> first_timestamp_;
};

Result<std::unique_ptr<RecordReader<LlmRequest>>> open_llm_trace(LlmTraceFormat format,
                                                                 const std::string& path,
                                                                 ReaderOptions options = {});

// "2023-11-16 18:15:46.6805900" (up to 9 fraction digits) as time since the Unix epoch; nullopt
// when the text is not such a date-time.
std::optional<Nanos> parse_date_time(std::string_view text);

}  // namespace fulcrum::sim
