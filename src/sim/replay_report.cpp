#include "sim/replay_report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/yaml_reader.h"  // FULCRUM_RETURN_IF_ERROR, FULCRUM_ASSIGN_OR_RETURN

namespace fulcrum::sim {

namespace {

double seconds(Nanos time) { return std::chrono::duration<double>(time).count(); }

std::string_view end_name(JobEnd end) {
  switch (end) {
    case JobEnd::kFinished: return "finished";
    case JobEnd::kUnplaceable: return "unplaceable";
    case JobEnd::kUnfinished: return "unfinished";
  }
  return "unknown";
}

Status write_file(const std::filesystem::path& path,
                  const std::function<void(std::ostream&)>& write) {
  std::ofstream out(path);
  if (!out) return Status(ErrorCode::kInternal, "cannot write " + path.string());
  write(out);
  out.close();
  if (!out) return Status(ErrorCode::kInternal, "cannot write " + path.string());
  return Status::ok_status();
}

}  // namespace

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string human_duration(double value_s) {
  if (value_s < 120) return fixed(value_s, 1) + "s";
  if (value_s < 2 * 3600) return fixed(value_s / 60, 1) + "m";
  if (value_s < 2 * 86400) return fixed(value_s / 3600, 1) + "h";
  return fixed(value_s / 86400, 1) + "d";
}

void write_jobs_csv(const ReplayResult& result, std::ostream& out) {
  out << "job,state,arrival_s,start_s,finish_s,wait_s,jct_s,run_s,gpu_milli,node,preemptions,"
         "requeues\n";
  for (const JobRecord& job : result.jobs) {
    bool started = job.first_start >= Nanos{0};
    bool finished = job.end == JobEnd::kFinished;
    out << job.id << ',' << end_name(job.end) << ',' << fixed(seconds(job.arrival), 3) << ','
        << (started ? fixed(seconds(job.first_start), 3) : "") << ','
        << (finished ? fixed(seconds(job.finish), 3) : "") << ',' << fixed(seconds(job.waited), 3)
        << ',' << (finished ? fixed(seconds(job.finish - job.arrival), 3) : "") << ','
        << fixed(seconds(job.run_time), 3) << ',' << job.gpu_milli << ',' << job.node << ','
        << job.preemptions << ',' << job.requeues << '\n';
  }
}

void write_util_csv(const ReplayResult& result, std::ostream& out) {
  out << "time_s,gpu_util,cpu_util,queued,running\n";
  for (const UtilSample& sample : result.samples) {
    out << fixed(seconds(sample.time), 3) << ',' << fixed(sample.gpu_util, 6) << ','
        << fixed(sample.cpu_util, 6) << ',' << sample.queued << ',' << sample.running << '\n';
  }
}

void write_summary_csv(std::span<const ReplayResult> results, std::ostream& out) {
  out << "queue,placement,jobs,finished,unplaceable,unfinished,avg_jct_s,p99_jct_s,avg_wait_s,"
         "p99_wait_s,makespan_s,gpu_util,cpu_util,preemptions,failures,requeues,events\n";
  for (const ReplayResult& result : results) {
    const ReplaySummary& summary = result.summary;
    out << result.policy.queue << ',' << result.policy.placement << ',' << summary.jobs << ','
        << summary.finished << ',' << summary.unplaceable << ',' << summary.unfinished << ','
        << fixed(summary.avg_jct_s, 3) << ',' << fixed(summary.p99_jct_s, 3) << ','
        << fixed(summary.avg_wait_s, 3) << ',' << fixed(summary.p99_wait_s, 3) << ','
        << fixed(summary.makespan_s, 3) << ',' << fixed(summary.gpu_util, 6) << ','
        << fixed(summary.cpu_util, 6) << ',' << summary.preemptions << ',' << summary.failures
        << ',' << summary.requeues << ',' << summary.events << '\n';
  }
}

Status write_replay_csv(std::span<const ReplayResult> results, const std::string& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return Status(ErrorCode::kInternal, "cannot create " + directory + ": " + error.message());
  }
  std::filesystem::path root(directory);
  FULCRUM_RETURN_IF_ERROR(write_file(root / "summary.csv",
                                     [&](std::ostream& out) { write_summary_csv(results, out); }));
  for (const ReplayResult& result : results) {
    std::filesystem::path folder = root / result.policy.label();
    std::filesystem::create_directories(folder, error);
    if (error) {
      return Status(ErrorCode::kInternal,
                    "cannot create " + folder.string() + ": " + error.message());
    }
    FULCRUM_RETURN_IF_ERROR(
        write_file(folder / "jobs.csv", [&](std::ostream& out) { write_jobs_csv(result, out); }));
    FULCRUM_RETURN_IF_ERROR(
        write_file(folder / "util.csv", [&](std::ostream& out) { write_util_csv(result, out); }));
  }
  return Status::ok_status();
}

}  // namespace fulcrum::sim
