// The strict JSON parser and the safetensors header on large inputs: a
// header of 200,000 tensors parses (its cost is linear; the benchmark
// fluxdesk-header-bench prints the figures), and every check survives the
// rewrite to a SAX parser: repeated keys at any depth, nesting depth,
// syntax errors, a top level that is not an object.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "weights/json_strict.h"
#include "weights/safetensors_header.h"

namespace fd {
namespace {

using Json = nlohmann::json;

// {"__metadata__":{...},"blocks.0.weight":{...F32 [1]...},...}; the data
// offsets run in another order than the names.
std::string bigHeader(size_t count, const std::string& extraMember = {}) {
  std::string json = R"({"__metadata__":{"format":"pt"})";
  char entry[160];
  for (size_t i = 0; i < count; ++i) {
    const size_t slot = (i * 7919) % count;
    std::snprintf(entry, sizeof entry,
                  R"(,"blocks.%zu.weight":{"dtype":"F32","shape":[1],"data_offsets":[%zu,%zu]})", i,
                  slot * 4, slot * 4 + 4);
    json += entry;
  }
  return json + extraMember + "}";
}

void expectRefused(const Result<Json>& result, const std::string& part) {
  ASSERT_FALSE(result.ok()) << "accepted; expected an error with: " << part;
  EXPECT_EQ(result.error().kind, ErrorKind::ModelInvalid);
  EXPECT_NE(result.error().message.find(part), std::string::npos) << result.error().message;
}

TEST(LargeHeader, TwoHundredThousandTensorsParse) {
  constexpr size_t kCount = 200000;
  const std::string text = bigHeader(kCount);
  auto header = parseSafetensorsHeader("big.safetensors", text, kCount * 4);
  ASSERT_TRUE(header.ok()) << header.error().message;
  ASSERT_EQ(header->tensors.size(), kCount);
  EXPECT_EQ(header->metadata.at("format"), "pt");
  // Sorted by data offset, each tensor where the header put it.
  for (size_t slot = 0; slot < kCount; ++slot) {
    const TensorInfo& info = header->tensors[slot];
    ASSERT_EQ(info.begin, slot * 4);
    ASSERT_EQ(info.end, slot * 4 + 4);
    ASSERT_EQ(info.shape, std::vector<int64_t>{1});
    ASSERT_EQ(info.dtype, DType::F32);
  }
  // 7919 is prime and does not divide the count: tensor 1 sits in slot 7919.
  EXPECT_EQ(header->tensors[7919].name, "blocks.1.weight");

  // The DOM form parses the same text to the same members.
  auto json = parseJsonStrict("big.safetensors", text, "header");
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ(json->size(), kCount + 1);
  EXPECT_EQ((*json)["blocks.199999.weight"]["data_offsets"][1],
            ((199999u * 7919) % kCount) * 4 + 4);
}

TEST(LargeHeader, RepeatedTensorNameAtTheEndIsRefused) {
  constexpr size_t kCount = 200000;
  const std::string text =
      bigHeader(kCount, R"(,"blocks.17.weight":{"dtype":"F32","shape":[0],"data_offsets":[0,0]})");
  auto header = parseSafetensorsHeader("big.safetensors", text, kCount * 4);
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().message, "big.safetensors: header has the key 'blocks.17.weight' twice");
  expectRefused(parseJsonStrict("big.safetensors", text, "header"), "key 'blocks.17.weight' twice");
}

TEST(LargeHeader, InvalidEntryAmongManyNamesItsTensor) {
  constexpr size_t kCount = 50000;
  const std::string text =
      bigHeader(kCount, R"(,"late":{"dtype":"F32","shape":[2],"data_offsets":[0,4]})");
  auto header = parseSafetensorsHeader("big.safetensors", text, kCount * 4);
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.error().message.find("cover 4 bytes but shape and dtype need 8 (tensor 'late')"),
            std::string::npos)
      << header.error().message;
}

TEST(StrictJson, RepeatedKeysAreRefusedAtEveryDepth) {
  expectRefused(parseJsonStrict("f", R"({"a":1,"a":2})", "header"),
                "f: header has the key 'a' twice");
  expectRefused(parseJsonStrict("f", R"({"a":{"b":{"c":1,"d":[1,{"e":0,"e":1}]}}})", "header"),
                "key 'e' twice");
  expectRefused(parseJsonStrict("f", R"({"a":{"b":{"c":1,"c":[]}}})", "header"), "key 'c' twice");
  expectRefused(parseJsonStrict("f", R"([{"x":1},{"y":2,"y":3}])", "index"),
                "f: index has the key 'y' twice");
  expectRefused(parseJsonStrict("f", R"({"":1,"":2})", "header"), "key '' twice");
  // Keys compare after unescaping.
  expectRefused(parseJsonStrict("f", R"({"ab":1,"a\u0062":2})", "header"), "key 'ab' twice");
  // A long repeated key is shown shortened.
  const std::string longKey(1000, 'k');
  auto longRepeat = parseJsonStrict("f", "{\"" + longKey + "\":1,\"" + longKey + "\":2}", "header");
  ASSERT_FALSE(longRepeat.ok());
  EXPECT_LT(longRepeat.error().message.size(), 300u);
  EXPECT_NE(longRepeat.error().message.find(std::string(200, 'k') + "..."), std::string::npos);

  // The same key in sibling objects, or in the parent and a child, is fine.
  auto siblings =
      parseJsonStrict("f", R"({"a":{"k":1},"b":{"k":2},"k":{"k":[{"k":3},{"k":4}]}})", "header");
  ASSERT_TRUE(siblings.ok()) << siblings.error().message;
  EXPECT_EQ((*siblings)["k"]["k"][1]["k"], 4);
}

TEST(StrictJson, RepeatedKeysInsideTensorEntriesAndMetadataAreRefused) {
  auto inEntry = parseSafetensorsHeader(
      "f", R"({"w":{"dtype":"F32","shape":[1],"dtype":"F16","data_offsets":[0,4]}})", 4);
  ASSERT_FALSE(inEntry.ok());
  EXPECT_EQ(inEntry.error().message, "f: header has the key 'dtype' twice");
  auto inMetadata =
      parseSafetensorsHeader("f", R"({"__metadata__":{"format":"pt","format":"np"}})", 0);
  ASSERT_FALSE(inMetadata.ok());
  EXPECT_EQ(inMetadata.error().message, "f: header has the key 'format' twice");
  auto metadataTwice = parseSafetensorsHeader("f", R"({"__metadata__":{},"__metadata__":{}})", 0);
  ASSERT_FALSE(metadataTwice.ok());
  EXPECT_EQ(metadataTwice.error().message, "f: header has the key '__metadata__' twice");
}

TEST(StrictJson, NestingDepthAndSyntaxStillChecked) {
  const std::string deep = std::string(17, '[') + std::string(17, ']');
  expectRefused(parseJsonStrict("f", deep, "header"), "f: header JSON is nested too deeply");
  auto ok = parseJsonStrict("f", std::string(16, '[') + std::string(16, ']'), "header");
  EXPECT_TRUE(ok.ok()) << ok.error().message;
  // The depth check comes first, even for a hostile object of objects.
  std::string objects;
  for (int i = 0; i < 5000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(5000, '}');
  expectRefused(parseJsonStrict("f", objects, "header"), "nested too deeply");
  auto streamed =
      forEachJsonMember("f", objects, "header", [](const std::string&, Json&) { return Status(); });
  ASSERT_FALSE(streamed.ok());
  EXPECT_NE(streamed.error().message.find("nested too deeply"), std::string::npos);

  expectRefused(parseJsonStrict("f", R"({"a":1,})", "header"), "f: header is not valid JSON (");
  expectRefused(parseJsonStrict("f", R"({"a":1} x)", "header"), "is not valid JSON");
  expectRefused(parseJsonStrict("f", "", "header"), "is not valid JSON");
  expectRefused(parseJsonStrict("f", "{\"a\xff\":1}", "header"), "is not valid JSON");
}

TEST(StrictJson, MembersAreStreamedInDocumentOrder) {
  std::vector<std::string> seen;
  auto collect = [&](const std::string& key, Json& value) -> Status {
    seen.push_back(key + "=" + value.dump());
    return Status();
  };
  Status s = forEachJsonMember("f", R"({"z":1,"a":{"x":[1,2]},"m":null,"b":[{"k":"v"}],"s":"t"})",
                               "header", collect);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(seen, (std::vector<std::string>{"z=1", R"(a={"x":[1,2]})", "m=null", R"(b=[{"k":"v"}])",
                                            R"(s="t")"}));

  seen.clear();
  EXPECT_TRUE(forEachJsonMember("f", "{}", "header", collect).ok());
  EXPECT_TRUE(seen.empty());

  // Another top level is refused, naming its type.
  for (const auto& [text, type] : std::vector<std::pair<std::string, std::string>>{
           {"[1,2,3]", "array"}, {"\"s\"", "string"}, {"3", "number"}, {"null", "null"}}) {
    Status other = forEachJsonMember("f", text, "header", collect);
    ASSERT_FALSE(other.ok()) << text;
    EXPECT_EQ(other.error().message, "f: header must be a JSON object, found a JSON " + type);
  }

  // A handler's error stops the parse and comes back as it is.
  int calls = 0;
  Status stopped = forEachJsonMember(
      "f", R"({"a":1,"b":2,"c":3})", "header", [&](const std::string& key, Json&) {
        ++calls;
        return key == "b" ? Status(makeError(ErrorKind::Io, "stop at b")) : Status();
      });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().kind, ErrorKind::Io);
  EXPECT_EQ(stopped.error().message, "stop at b");
  EXPECT_EQ(calls, 2);

  // Repeats among the streamed members, and inside one.
  Status top = forEachJsonMember("f", R"({"a":1,"b":2,"a":3})", "header", collect);
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.error().message, "f: header has the key 'a' twice");
  Status nested = forEachJsonMember("f", R"({"a":{"x":1,"x":2}})", "header", collect);
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.error().message, "f: header has the key 'x' twice");
  Status syntax = forEachJsonMember("f", R"({"a":1,"b":)", "header", collect);
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.error().message.find("f: header is not valid JSON ("), std::string::npos);
}

TEST(StrictJson, ManyKeysWithALateRepeatOfEachEarlyOne) {
  // Every early key is still found among many, and with several repeats
  // the first one in document order is named.
  std::string text = "{";
  for (int i = 0; i < 100000; ++i) text += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
  for (int probe : {0, 1, 4095, 65536, 99999}) {
    auto result = parseJsonStrict("f", text + ",\"" + std::to_string(probe) + "\":1}", "index");
    expectRefused(result, "key '" + std::to_string(probe) + "' twice");
    Status streamed =
        forEachJsonMember("f", text + ",\"" + std::to_string(probe) + "\":1}", "index",
                          [](const std::string&, Json&) { return Status(); });
    ASSERT_FALSE(streamed.ok());
    EXPECT_NE(streamed.error().message.find("key '" + std::to_string(probe) + "' twice"),
              std::string::npos);
  }
  const std::string twoRepeats = text + ",\"77\":1,\"5\":1}";
  expectRefused(parseJsonStrict("f", twoRepeats, "index"), "key '77' twice");
  Status streamedTwo = forEachJsonMember("f", twoRepeats, "index",
                                         [](const std::string&, Json&) { return Status(); });
  ASSERT_FALSE(streamedTwo.ok());
  EXPECT_EQ(streamedTwo.error().message, "f: index has the key '77' twice");
  auto fine = parseJsonStrict("f", text + ",\"100000\":1}", "index");
  ASSERT_TRUE(fine.ok()) << fine.error().message;
  EXPECT_EQ(fine->size(), 100001u);
}

}  // namespace
}  // namespace fd
