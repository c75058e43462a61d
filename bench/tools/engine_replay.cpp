// engine_replay: the simulator's replica model fed exactly what the real emulators' engines were
// fed. It reads the request logs of a real run (`fulcrum emulate --request-log`, one file per
// replica, each line naming the trace index in request_id and the model time it was queued) and the
// same trace slice, queues every request on its replica at its logged time, steps the replicas as
// `fulcrum sim route` steps them, and writes when each request's first token came. Routing and the
// way to the engine are taken from the real run, so what is left to compare is the engine model:
// bench/route_sim_validation.sh sets its TTFT against the load generator's.
//
//   engine_replay --logs DIR --start-s S --duration-s D --rate-scale R --profile FILE --csv OUT
//                 [--trace mooncake|azure] [--file TRACE] [--prompt-seed N]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "emulator/profile.h"
#include "emulator/tokenizer.h"
#include "emulator/trace_prompt.h"
#include "sim/llm_replica.h"
#include "sim/llm_trace.h"
#include "sim/replay_report.h"
#include "sim/route_sim.h"

namespace {

using namespace fulcrum;

struct Queued {
  double at_s = 0;
  int64_t index = 0;
};

// The lines of one replica's request log, in the order they were queued; the error names the line.
std::optional<std::vector<Queued>> read_request_log(const std::string& path, std::size_t slice) {
  std::ifstream in(path);
  std::vector<Queued> queued;
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    boost::system::error_code error;
    boost::json::value value = boost::json::parse(line, error);
    const boost::json::object* object = error ? nullptr : value.if_object();
    const boost::json::value* id = object ? object->if_contains("request_id") : nullptr;
    const boost::json::value* at = object ? object->if_contains("queued_s") : nullptr;
    if (id == nullptr || !id->is_string() || at == nullptr || !at->is_number()) {
      std::cerr << "error: " << path << ":" << line_number
                << ": expected a JSON object with request_id and queued_s\n";
      return std::nullopt;
    }
    const std::string text(id->as_string());
    const int64_t index = std::strtoll(text.c_str(), nullptr, 10);
    if (index < 0 || static_cast<std::size_t>(index) >= slice) {
      std::cerr << "error: " << path << ":" << line_number << ": request_id " << text
                << " is not an index of the slice (" << slice << " requests)\n";
      return std::nullopt;
    }
    queued.push_back({at->to_number<double>(), index});
  }
  std::stable_sort(queued.begin(), queued.end(),
                   [](const Queued& a, const Queued& b) { return a.at_s < b.at_s; });
  return queued;
}

}  // namespace

int main(int argc, char** argv) {
  std::string logs;
  std::string trace = "mooncake";
  std::string file;
  std::string profile_file;
  std::string csv_file;
  sim::SliceOptions slice;
  uint64_t prompt_seed = 1;  // llm_loadgen's --seed: its prompts' text
  CLI::App app{"Replay a real run's engine arrivals through the simulator's replica model"};
  app.add_option("--logs", logs, "Folder of requests-rN.jsonl request logs")->required();
  app.add_option("--trace", trace, "mooncake or azure")->capture_default_str();
  app.add_option("--file", file, "Trace file (default: ../shared/data/...)");
  app.add_option("--start-s", slice.start_s, "Slice start, seconds into the trace")->required();
  app.add_option("--duration-s", slice.duration_s, "Slice length in seconds")->required();
  app.add_option("--rate-scale", slice.rate_scale, "As the real run's")->required();
  app.add_option("--profile", profile_file, "Engine profile of every replica")->required();
  app.add_option("--prompt-seed", prompt_seed, "llm_loadgen's --seed")->capture_default_str();
  app.add_option("--csv", csv_file, "index,replica,queued_s,first_token_s per request")->required();
  CLI11_PARSE(app, argc, argv);

  auto profile = emulator::load_profile(profile_file);
  if (!profile.ok()) {
    std::cerr << "error: " << profile.error_message() << '\n';
    return 2;
  }
  auto format = sim::parse_llm_trace_format(trace);
  if (!format.ok()) {
    std::cerr << "error: --trace: " << format.error_message() << '\n';
    return 2;
  }
  auto reader =
      sim::open_llm_trace(*format, file.empty() ? sim::default_llm_trace_path(*format) : file);
  if (!reader.ok()) {
    std::cerr << "error: " << reader.error_message() << '\n';
    return 2;
  }
  auto requests = sim::read_request_slice(**reader, slice);
  if (!requests.ok()) {
    std::cerr << "error: " << requests.error_message() << '\n';
    return 2;
  }

  std::ofstream csv(csv_file);
  csv << "index,replica,queued_s,first_token_s\n";
  for (int replica_number = 0;; ++replica_number) {
    const std::string path = logs + "/requests-r" + std::to_string(replica_number) + ".jsonl";
    if (!std::ifstream(path)) break;
    auto queued = read_request_log(path, requests->size());
    if (!queued) return 2;
    // As sim route steps a replica: a step starts when work reaches an idle engine or when the
    // previous step ends; arrivals during a step wait for the next.
    sim::LlmReplica replica(*profile);
    std::optional<double> step_end;
    std::size_t next = 0;
    while (next < queued->size() || step_end) {
      if (next < queued->size() && (!step_end || (*queued)[next].at_s < *step_end)) {
        const Queued& arrival = (*queued)[next++];
        const sim::LlmRequest& request = (*requests)[static_cast<std::size_t>(arrival.index)];
        const std::string prompt =
            emulator::trace_prompt_text(request.hash_ids, request.input_tokens,
                                        static_cast<uint64_t>(arrival.index) + (prompt_seed << 32));
        Status added = replica.add_request(
            {static_cast<uint64_t>(arrival.index) + 1, emulator::tokenize(prompt),
             std::max<int64_t>(1, request.output_tokens), arrival.at_s});
        if (!added.ok()) {  // the real emulator queued it: the profiles differ
          std::cerr << "error: " << path << ": request " << arrival.index << ": " << added.message()
                    << '\n';
          return 2;
        }
        if (!step_end) step_end = replica.start_step(arrival.at_s);
        continue;
      }
      for (const emulator::FinishedRequest& finished : replica.end_step().finished) {
        csv << finished.id - 1 << ",r" << replica_number << ',' << sim::fixed(finished.arrival_s, 6)
            << ',' << sim::fixed(finished.first_token_s, 6) << '\n';
      }
      step_end = replica.start_step(*step_end);
    }
  }
  return 0;
}
