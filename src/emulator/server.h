// `fulcrum emulate`: the engine model behind an OpenAI-compatible HTTP front. One thread runs the
// io_context: the HTTP server, and a loop that steps the engine back to back while it has work,
// waiting each step's modeled duration (divided by `speed`) before handing out what it produced.
//
// Routes: POST /v1/completions and /v1/chat/completions (whole, or SSE chunks one per token then
// `data: [DONE]` with "stream": true), GET /v1/models, /health, and /metrics (vLLM's names).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/status.h"
#include "emulator/profile.h"

namespace fulcrum::emulator {

struct EmulatorOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;   // 0: a free port, see EmulatorServer::port()
  double speed = 1.0;  // modeled seconds per real second: 10 runs ten times faster than the model
  std::string served_model_name;  // overrides the profile's model name when not empty
  // When not empty: one JSON line per request the engine accepts, appended here (see
  // docs/emulator.md): when it was queued in model seconds since the start, its id, the client's
  // X-Request-Id and its prompt tokens.
  std::string request_log_path;
};

class EmulatorServer {
 public:
  EmulatorServer(boost::asio::io_context& context, EngineProfile profile, EmulatorOptions options);
  ~EmulatorServer();
  EmulatorServer(const EmulatorServer&) = delete;
  EmulatorServer& operator=(const EmulatorServer&) = delete;

  Status start();
  uint16_t port() const;
  const std::string& model_name() const;
  // Stops listening, ends open requests and the engine loop. Thread-safe.
  void stop();

 private:
  class State;
  std::shared_ptr<State> state_;
};

}  // namespace fulcrum::emulator
