// Scheduler throughput at scale: 10,000 virtual nodes of mixed types and 100,000 tasks.
//   1. durable submissions per second through the batch API (POST /v1/tasks over loopback, each
//      batch committed to SQLite with synchronous=FULL before the 201);
//   2. resident memory the service gained holding the 100,000 tasks;
//   3. placements per second of one placement pass of the decision core, per placer.
// Usage: scheduler_throughput [--nodes N] [--tasks N] [--batch N] [--only submissions|placement]
//                             [--placer NAME]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/random.h"
#include "placement/registry.h"
#include "scheduler/service.h"

namespace {

using namespace fulcrum;
using Clock = std::chrono::steady_clock;

struct NodeShape {
  const char* prefix;
  int cpu;
  int memory_gi;
  int gpus;
  const char* model;
};
constexpr NodeShape kNodeShapes[] = {{"cpu", 32, 128, 0, ""},
                                     {"a100", 64, 512, 8, "A100"},
                                     {"h100", 96, 1024, 8, "H100"},
                                     {"l4", 16, 64, 4, "L4"}};

std::string cluster_yaml(int nodes) {
  std::string text = "nodes:\n";
  for (int i = 0; i < nodes; ++i) {
    const NodeShape& shape = kNodeShapes[i % 4];
    text += "  - {id: " + std::string(shape.prefix) + "-" + std::to_string(i) +
            ", cpu: " + std::to_string(shape.cpu) + ", memory: " + std::to_string(shape.memory_gi) +
            "Gi";
    if (shape.gpus > 0) {
      text += ", gpus: " + std::to_string(shape.gpus) + ", gpu_model: " + shape.model;
    }
    text += "}\n";
  }
  return text;
}

// Task i: mostly CPU work, one in four asks for one or two GPUs.
Task make_task(int index, Rng& random) {
  Task task;
  task.id = "task-" + std::to_string(index);
  task.demand.cpu_millis = 500 + static_cast<int64_t>(random.next() % 4) * 500;
  task.demand.memory_bytes = (int64_t{1} << 30) * (1 + static_cast<int64_t>(random.next() % 8));
  if (index % 4 == 0) task.demand.gpu_milli = 1000 * (1 + static_cast<int64_t>(random.next() % 2));
  task.priority = static_cast<int>(random.next() % 10);
  task.estimated_duration_ms = 3600000;
  return task;
}

std::string task_json(const Task& task) {
  std::string text = "{\"id\":\"" + task.id + "\",\"cpu\":\"" +
                     format_cpu_millis(task.demand.cpu_millis) +
                     "\",\"memory\":" + std::to_string(task.demand.memory_bytes) +
                     ",\"priority\":" + std::to_string(task.priority) +
                     ",\"duration_ms\":" + std::to_string(task.estimated_duration_ms);
  if (task.demand.gpu_milli > 0) text += ",\"gpu_milli\":" + std::to_string(task.demand.gpu_milli);
  return text + "}";
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// A blocking keep-alive HTTP/1.1 client: enough to post batches and read the status.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      std::perror("connect");
    }
  }
  ~Client() { close(fd_); }

  int post(const std::string& path, const std::string& body) {
    std::string request = "POST " + path +
                          " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                          "Content-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
    for (size_t sent = 0; sent < request.size();) {
      ssize_t n = send(fd_, request.data() + sent, request.size() - sent, 0);
      if (n <= 0) return 0;
      sent += static_cast<size_t>(n);
    }
    std::string response;
    char buffer[65536];
    for (;;) {
      size_t head_end = response.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length_at = response.find("Content-Length: ");
        size_t length =
            length_at == std::string::npos ? 0 : std::stoul(response.substr(length_at + 16));
        if (response.size() >= head_end + 4 + length) return std::stoi(response.substr(9, 3));
      }
      ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return 0;
      response.append(buffer, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
};

void measure_submissions(int nodes, int tasks, int batch_size) {
  auto dir = std::filesystem::temp_directory_path() /
             ("fulcrum-scheduler-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "cluster.yaml") << cluster_yaml(nodes);
  SchedulerConfig config;
  config.port = 0;
  config.cluster_file = (dir / "cluster.yaml").string();
  config.store_path = (dir / "s.db").string();
  config.executor.params.set("speed_factor", "1");
  // No placement pass during the submissions: they are measured alone (placement is part 3).
  config.monitor_interval_ms = 3600000;
  boost::asio::io_context context;
  auto service = SchedulerService::create(config, context);
  if (!service.ok() || !(*service)->start().ok()) {
    std::cerr << "scheduler did not start: " << service.status().to_string() << "\n";
    return;
  }
  std::thread loop([&context] { context.run(); });
  long rss_before = rss_kib();
  Client client((*service)->port());
  Rng random(7);
  int accepted = 0;
  auto start = Clock::now();
  for (int first = 0; first < tasks; first += batch_size) {
    std::string body = "{\"tasks\":[";
    for (int i = first; i < std::min(tasks, first + batch_size); ++i) {
      body += (i > first ? "," : "") + task_json(make_task(i, random));
    }
    body += "]}";
    if (client.post("/v1/tasks", body) == 201) accepted += std::min(batch_size, tasks - first);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  long rss_after = rss_kib();
  boost::asio::post(context, [&] {
    (*service)->stop();
    context.stop();
  });
  loop.join();
  std::cout << "submissions: " << accepted << " tasks in batches of " << batch_size << " in "
            << seconds << " s = " << static_cast<long>(accepted / seconds)
            << " durable tasks/s (synchronous=FULL)\n";
  std::cout << "memory: RSS grew by " << (rss_after - rss_before) / 1024 << " MiB holding "
            << accepted << " tasks on " << nodes << " nodes (RSS " << rss_after / 1024 << " MiB)\n";
  std::filesystem::remove_all(dir);
}

void measure_placement(int nodes, int tasks, const std::string& only_placer) {
  auto cluster = parse_cluster(cluster_yaml(nodes), "bench");
  for (const char* placer_name :
       {"first_fit", "best_fit", "least_loaded", "weighted_round_robin"}) {
    if (!only_placer.empty() && only_placer != placer_name) continue;
    SchedulerCore core(make_placer(placer_name).value(), make_ready_queue("priority").value(),
                       15000);
    for (const Node& node : cluster->nodes()) (void)core.add_node(node, 0, "bench");
    Rng random(7);
    std::vector<Task> batch;
    std::vector<int> attempts(static_cast<size_t>(tasks), 3);
    for (int i = 0; i < tasks; ++i) batch.push_back(make_task(i, random));
    (void)core.submit(std::move(batch), attempts, 0);
    core.take_outbox();
    auto start = Clock::now();
    size_t placed = core.schedule(1);
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::cout << "placement " << placer_name << ": " << placed << " of " << tasks
              << " tasks placed on " << nodes << " nodes in " << seconds
              << " s = " << static_cast<long>(static_cast<double>(placed) / seconds)
              << " placements/s\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 10000;
  int tasks = 100000;
  int batch = 1000;
  std::string only;    // "submissions" or "placement": run that part alone
  std::string placer;  // --placer NAME: measure that placer alone
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--only") only = argv[i + 1];
    if (flag == "--placer") placer = argv[i + 1];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--nodes") nodes = value;
    if (flag == "--tasks") tasks = value;
    if (flag == "--batch") batch = value;
  }
  if (only != "placement") measure_submissions(nodes, tasks, batch);
  if (only != "submissions") measure_placement(nodes, tasks, placer);
  return 0;
}
