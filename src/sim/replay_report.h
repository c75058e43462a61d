// CSV files of a cluster replay, written with fixed decimals so that the same run gives the same
// bytes: jobs.csv (one row per job), util.csv (utilization and queue length over time) and
// summary.csv (one row per policy).
#pragma once

#include <ostream>
#include <span>
#include <string>

#include "core/status.h"
#include "sim/cluster_replay.h"

namespace fulcrum::sim {

void write_jobs_csv(const ReplayResult& result, std::ostream& out);
void write_util_csv(const ReplayResult& result, std::ostream& out);
void write_summary_csv(std::span<const ReplayResult> results, std::ostream& out);

// Writes DIR/summary.csv and DIR/<queue>+<placement>/{jobs,util}.csv, creating the folders.
Status write_replay_csv(std::span<const ReplayResult> results, const std::string& directory);

// "0.500000" style fixed decimals (CSV) and "12.3s" / "45.2m" / "3.4h" / "2.5d" (terminal).
std::string fixed(double value, int decimals);
std::string human_duration(double seconds);

}  // namespace fulcrum::sim
