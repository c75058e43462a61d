// The HTTP codec on a typical ~400-byte request head (an OpenAI-style POST from a client SDK),
// a model server's response head, an SSE-like chunked body and the proxy's head rewrite.
// Time per iteration = ns per parse (or per decode / rewrite).
#include <benchmark/benchmark.h>

#include <string>

#include "http/chunked.h"
#include "http/parser.h"
#include "http/writer.h"

namespace fulcrum::http {
namespace {

const std::string kRequestHead =
    "POST /v1/chat/completions HTTP/1.1\r\n"
    "Host: api.gateway.local:8080\r\n"
    "User-Agent: OpenAI/Python 1.35.3\r\n"
    "Accept: application/json\r\n"
    "Accept-Encoding: gzip, deflate\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 187\r\n"
    "Authorization: Bearer sk-proj-0123456789abcdefghijklmnopqrstuvwxyzABCD\r\n"
    "X-Stainless-Lang: python\r\n"
    "X-Stainless-Runtime-Version: 3.11.4\r\n"
    "X-Request-Id: 7f1c2a9e-51b3-4c1e-9a77-2d3f4b5c6d7e\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";

const std::string kResponseHead =
    "HTTP/1.1 200 OK\r\n"
    "date: Tue, 11 Jun 2024 10:00:00 GMT\r\n"
    "server: uvicorn\r\n"
    "content-type: text/event-stream; charset=utf-8\r\n"
    "transfer-encoding: chunked\r\n"
    "\r\n";

void BM_ParseRequestHead(benchmark::State& state) {
  RequestHead head;
  for (auto _ : state) {
    ParseResult result = parse_request(kRequestHead, head);
    benchmark::DoNotOptimize(result);
    benchmark::DoNotOptimize(head.header_count);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRequestHead.size()));
  state.counters["head_bytes"] = static_cast<double>(kRequestHead.size());
}
BENCHMARK(BM_ParseRequestHead);

// The head arriving in four reads, parsed after each: without a hint every call parses from the
// start; with one, the incomplete calls only look for the end of the head in the new bytes.
void parse_in_four_reads(benchmark::State& state, bool use_hint) {
  const std::string_view head_text = kRequestHead;
  const std::size_t quarter = head_text.size() / 4;
  RequestHead head;
  for (auto _ : state) {
    ScanHint hint;
    for (std::size_t reads = 1; reads <= 4; ++reads) {
      const std::size_t received = reads == 4 ? head_text.size() : reads * quarter;
      ParseResult result =
          parse_request(head_text.substr(0, received), head, {}, use_hint ? &hint : nullptr);
      benchmark::DoNotOptimize(result);
    }
    benchmark::DoNotOptimize(head.header_count);
  }
}

void BM_ParseRequestHeadInFourReads(benchmark::State& state) { parse_in_four_reads(state, false); }
BENCHMARK(BM_ParseRequestHeadInFourReads);

void BM_ParseRequestHeadInFourReadsWithScanHint(benchmark::State& state) {
  parse_in_four_reads(state, true);
}
BENCHMARK(BM_ParseRequestHeadInFourReadsWithScanHint);

void BM_ParseResponseHead(benchmark::State& state) {
  ResponseHead head;
  for (auto _ : state) {
    ParseResult result = parse_response(kResponseHead, false, head);
    benchmark::DoNotOptimize(result);
    benchmark::DoNotOptimize(head.header_count);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kResponseHead.size()));
}
BENCHMARK(BM_ParseResponseHead);

// 64 SSE events of ~60 bytes, one chunk each.
std::string sse_body() {
  OutputBuffer out;
  for (int i = 0; i < 64; ++i) {
    append_chunk(out, "data: {\"choices\":[{\"delta\":{\"content\":\"token\"}}],\"i\":" +
                          std::to_string(i) + "}\n\n");
  }
  append_last_chunk(out);
  return std::string(out.view());
}

void BM_DecodeChunkedBody(benchmark::State& state) {
  const std::string body = sse_body();
  for (auto _ : state) {
    ChunkedDecoder decoder;
    std::size_t payload = 0;
    ChunkedProgress progress =
        decoder.feed(body, [&payload](std::string_view data) { payload += data.size(); });
    benchmark::DoNotOptimize(progress);
    benchmark::DoNotOptimize(payload);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_DecodeChunkedBody);

void BM_WriteForwardedRequest(benchmark::State& state) {
  RequestHead head;
  if (!parse_request(kRequestHead, head).complete()) {
    state.SkipWithError("request head did not parse");
    return;
  }
  const Header added[] = {{"X-Forwarded-For", "192.0.2.7"}, {"Via", "1.1 fulcrum"}};
  OutputBuffer out;
  out.reserve(1024);
  for (auto _ : state) {
    out.clear();
    append_forwarded_request(out, head, {.reframe = false, .added = added, .dropped = {}});
    benchmark::DoNotOptimize(out.view().data());
  }
}
BENCHMARK(BM_WriteForwardedRequest);

}  // namespace
}  // namespace fulcrum::http
