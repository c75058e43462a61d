#include "llm/model_list.h"

#include <set>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace fulcrum {

namespace {

// The `data` array of an OpenAI list body, or nullptr.
const boost::json::array* models_of(const boost::json::value& list) {
  if (!list.is_object()) return nullptr;
  const boost::json::value* data = list.get_object().if_contains("data");
  return data != nullptr && data->is_array() ? &data->get_array() : nullptr;
}

}  // namespace

std::string merge_model_lists(std::span<const std::string> lists) {
  boost::json::array merged;
  std::set<std::string, std::less<>> seen;
  for (const std::string& text : lists) {
    boost::system::error_code error;
    const boost::json::value list = boost::json::parse(text, error);
    const boost::json::array* models = error ? nullptr : models_of(list);
    if (models == nullptr) continue;
    for (const boost::json::value& model : *models) {
      const boost::json::value* id =
          model.is_object() ? model.get_object().if_contains("id") : nullptr;
      if (id == nullptr || !id->is_string()) continue;
      if (!seen.emplace(id->get_string()).second) continue;
      merged.push_back(model);
    }
  }
  std::string body =
      boost::json::serialize(boost::json::object{{"object", "list"}, {"data", merged}});
  body += '\n';
  return body;
}

}  // namespace fulcrum
