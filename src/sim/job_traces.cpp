#include "sim/job_traces.h"

#include "sim/alibaba_trace.h"

namespace fulcrum::sim {

namespace {

Result<std::vector<SimJob>> load_alibaba(const JobTraceSource& source) {
  return load_alibaba_jobs(source.file, source.reader, source.limit, source.stats);
}

Result<std::vector<SimJob>> generate_synthetic(const JobTraceSource& source) {
  SyntheticJobOptions options = source.synthetic;
  if (source.limit > 0) options.jobs = source.limit;
  return generate_jobs(options);
}

std::string names_joined(const std::string& separator) {
  std::string names;
  for (const JobTraceFormat& format : job_trace_formats()) {
    names += (names.empty() ? "" : separator) + format.name;
  }
  return names;
}

}  // namespace

const std::vector<JobTraceFormat>& job_trace_formats() {
  static const std::vector<JobTraceFormat> formats = {
      {"alibaba", "the Alibaba GPU cluster trace 2023 pod list (--pods)", load_alibaba},
      {"synthetic", "seeded jobs of the Alibaba trace's shapes (--jobs, --rate, --duration, --dag)",
       generate_synthetic},
  };
  return formats;
}

std::string job_trace_format_names() { return names_joined(" | "); }

Result<std::vector<SimJob>> load_job_trace(const std::string& format,
                                           const JobTraceSource& source) {
  for (const JobTraceFormat& entry : job_trace_formats()) {
    if (entry.name == format) return entry.load(source);
  }
  return invalid_argument("--trace: expected one of " + names_joined(", ") + ", got \"" + format +
                          "\"");
}

}  // namespace fulcrum::sim
