#include "weights/json_strict.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace fd {

namespace {

using Json = nlohmann::json;

std::string shortText(const std::string& text) {
  return text.size() <= 200 ? text : text.substr(0, 200) + "...";
}

Error invalidJson(const std::string& path, const std::string& what, const std::string& problem) {
  return makeError(ErrorKind::ModelInvalid, path + ": " + what + " " + problem);
}

// The keys of one (large) object, checked for a repeat once it is complete:
// their bytes packed in one buffer (a few allocations for a million keys,
// not a node each) and sorted by hash, then by bytes. Sorting keeps the
// worst case at O(n log n) even for keys crafted to share a hash, which a
// hash table would turn quadratic.
class KeyLog {
 public:
  void add(std::string_view key) {
    entries_.push_back({std::hash<std::string_view>()(key), starts_.size()});
    starts_.push_back(bytes_.size());
    bytes_.append(key);
  }

  // The first key, in document order, that repeats an earlier one.
  std::optional<std::string> firstRepeat() {
    std::sort(entries_.begin(), entries_.end(), [this](const Entry& a, const Entry& b) {
      if (a.hash != b.hash) return a.hash < b.hash;
      const int order = keyAt(a.index).compare(keyAt(b.index));
      return order != 0 ? order < 0 : a.index < b.index;
    });
    size_t first = kNone;
    for (size_t i = 1; i < entries_.size(); ++i) {
      const Entry& a = entries_[i - 1];
      const Entry& b = entries_[i];  // equal keys sit together, in document order
      if (a.hash == b.hash && keyAt(a.index) == keyAt(b.index)) first = std::min(first, b.index);
    }
    if (first == kNone) return std::nullopt;
    return std::string(keyAt(first));
  }

 private:
  struct Entry {
    uint64_t hash;
    size_t index;  // in document order
  };
  static constexpr size_t kNone = ~size_t{0};

  std::string_view keyAt(size_t index) const {
    const size_t end = index + 1 < starts_.size() ? starts_[index + 1] : bytes_.size();
    return std::string_view(bytes_).substr(starts_[index], end - starts_[index]);
  }

  std::vector<Entry> entries_;
  std::vector<size_t> starts_;  // where each key begins in bytes_
  std::string bytes_;
};

// Builds the document from nlohmann's SAX events, as its own DOM parser
// does, but refuses a key its object already holds: the plain parser keeps
// the last of two equal keys, which would hide a tensor. A key costs one
// insertion into its object's map. (nlohmann's parser-callback API scans
// the parent object after every nested object ends, which made a header of
// N tensors cost N^2.)
//
// With a member handler, the members of a top-level object are handed over
// one at a time as they complete and not kept; its keys are logged and
// checked for a repeat at the end (KeyLog).
class StrictDomBuilder {
 public:
  StrictDomBuilder(Json& root, const JsonMemberHandler* onMember)
      : root_(root), onMember_(onMember) {}

  bool null() { return place(Json(nullptr)); }
  bool boolean(bool value) { return place(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return place(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return place(Json(value)); }
  bool number_float(Json::number_float_t value, const Json::string_t& /*text*/) {
    return place(Json(value));
  }
  bool string(Json::string_t& value) { return place(Json(std::move(value))); }
  bool binary(Json::binary_t& value) { return place(Json::binary(std::move(value))); }

  bool start_object(std::size_t /*elements*/) {
    stack_.push_back(put(Json(Json::value_t::object)));
    return true;
  }
  bool start_array(std::size_t /*elements*/) {
    stack_.push_back(put(Json(Json::value_t::array)));
    return true;
  }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(Json::string_t& name) {
    if (streamingMembers()) {
      topKeys_.add(name);
      memberKey_ = std::move(name);
      member_ = Json();
      slot_ = &member_;
      return true;
    }
    auto& object = stack_.back()->get_ref<Json::object_t&>();
    // try_emplace leaves `name` as it was when the key is already there.
    auto [it, inserted] = object.try_emplace(std::move(name));
    if (!inserted) return refuseDuplicate(name);
    slot_ = &it->second;
    return true;
  }

  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*lastToken*/,
                   const Exception& error) {
    syntaxError_ = error.what();
    return false;
  }

  const std::optional<std::string>& duplicate() const { return duplicate_; }
  const std::string& syntaxError() const { return syntaxError_; }
  const std::optional<Error>& memberError() const { return memberError_; }
  // Once the document is complete: the first repeated key of a streamed
  // top-level object.
  std::optional<std::string> repeatedTopKey() { return topKeys_.firstRepeat(); }

 private:
  // The innermost open value is the top-level object and members are
  // handed over rather than kept.
  bool streamingMembers() const {
    return onMember_ && stack_.size() == 1 && stack_.front()->is_object();
  }

  bool refuseDuplicate(const std::string& name) {
    duplicate_ = name;
    return false;  // stop: the document is refused anyway
  }

  // Puts a value where the document expects the next one: the root, the end
  // of the open array, or the member whose key came last.
  Json* put(Json&& value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      auto& array = parent.get_ref<Json::array_t&>();
      array.push_back(std::move(value));
      return &array.back();
    }
    *slot_ = std::move(value);
    return slot_;
  }

  bool place(Json&& value) {
    put(std::move(value));
    return streamingMembers() ? handOver() : true;
  }

  bool close() {
    stack_.pop_back();
    return streamingMembers() ? handOver() : true;
  }

  // A member of the top-level object is complete.
  bool handOver() {
    Status status = (*onMember_)(memberKey_, member_);
    member_ = Json();
    if (status) return true;
    memberError_ = status.error();
    return false;
  }

  Json& root_;
  const JsonMemberHandler* onMember_;
  // The open objects and arrays, outermost first. A pointer into an array
  // stays valid: that array only grows once the element is closed.
  std::vector<Json*> stack_;
  Json* slot_ = nullptr;  // the member of the innermost object awaiting its value
  // Streaming: the top-level member being parsed, and the keys seen so far.
  std::string memberKey_;
  Json member_;
  KeyLog topKeys_;
  std::optional<std::string> duplicate_;
  std::string syntaxError_;
  std::optional<Error> memberError_;
};

// Runs the parser; the error of whatever stopped it.
Status runStrict(const std::string& path, std::string_view text, const std::string& what,
                 int maxDepth, StrictDomBuilder& builder) {
  if (jsonNestingDepth(text, maxDepth) > maxDepth)
    return invalidJson(path, what, "JSON is nested too deeply");
  bool complete = false;
  try {
    complete = Json::sax_parse(text.begin(), text.end(), &builder);
  } catch (const Json::exception& e) {
    return invalidJson(path, what, std::string("is not valid JSON (") + e.what() + ")");
  }
  if (builder.memberError()) return *builder.memberError();
  if (builder.duplicate())
    return invalidJson(path, what, "has the key '" + shortText(*builder.duplicate()) + "' twice");
  if (!complete)
    return invalidJson(
        path, what,
        "is not valid JSON (" +
            (builder.syntaxError().empty() ? std::string("incomplete") : builder.syntaxError()) +
            ")");
  if (auto repeated = builder.repeatedTopKey())
    return invalidJson(path, what, "has the key '" + shortText(*repeated) + "' twice");
  return Status::success();
}

}  // namespace

int jsonNestingDepth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '[' || c == '{')
      deepest = std::max(deepest, ++depth);
    else if (c == ']' || c == '}')
      --depth;
    if (deepest > limit) break;
  }
  return deepest;
}

Result<Json> parseJsonStrict(const std::string& path, std::string_view text,
                             const std::string& what, int maxDepth) {
  Json json;
  StrictDomBuilder builder(json, nullptr);
  Status status = runStrict(path, text, what, maxDepth, builder);
  if (!status) return status.error();
  return json;
}

Status forEachJsonMember(const std::string& path, std::string_view text, const std::string& what,
                         const JsonMemberHandler& onMember, int maxDepth) {
  Json json;  // the top level; an object stays empty (its members are handed over)
  StrictDomBuilder builder(json, &onMember);
  Status status = runStrict(path, text, what, maxDepth, builder);
  if (!status) return status;
  if (!json.is_object())
    return invalidJson(path, what,
                       std::string("must be a JSON object, found a JSON ") + json.type_name());
  return Status::success();
}

}  // namespace fd
