// GET /v1/models across replicas: the union of the OpenAI model lists each one answered, so that
// a client sees every model the gateway routes to whichever replica answers. Pure.
#pragma once

#include <span>
#include <string>

namespace fulcrum {

// {"object":"list","data":[...]} holding each model entry of `lists` (OpenAI list bodies) once, by
// `id`, first seen first. Bodies that are not such a list are skipped.
std::string merge_model_lists(std::span<const std::string> lists);

}  // namespace fulcrum
