// The job trace formats `sim cluster` replays, by name: each entry reads (or generates) SimJobs
// from a JobTraceSource, so a new format is one loader and one line in job_trace_formats().
//   alibaba    the Alibaba GPU cluster trace 2023 pod list (sim/alibaba_trace.h);
//   synthetic  seeded jobs of the trace's shapes, with arrivals, durations and DAGs as asked
//              (sim/synthetic.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "sim/synthetic.h"
#include "sim/trace_reader.h"
#include "sim/workload.h"

namespace fulcrum::sim {

// Everything a format may read; each uses what applies to it.
struct JobTraceSource {
  std::string file;               // file formats: the trace file
  ReaderOptions reader;           // file formats: column names and what a malformed line does
  int64_t limit = 0;              // at most this many jobs (0: all)
  SyntheticJobOptions synthetic;  // generated formats: the workload (limit overrides its jobs)
  ReadStats* stats = nullptr;     // file formats: the lines read and skipped, when not null
};

struct JobTraceFormat {
  std::string name;
  std::string description;  // one line for the help
  Result<std::vector<SimJob>> (*load)(const JobTraceSource& source);
};

const std::vector<JobTraceFormat>& job_trace_formats();

// "alibaba | synthetic": the names for a help text.
std::string job_trace_format_names();

// Jobs of `format` from `source`; an unknown format's error lists the known ones.
Result<std::vector<SimJob>> load_job_trace(const std::string& format, const JobTraceSource& source);

}  // namespace fulcrum::sim
