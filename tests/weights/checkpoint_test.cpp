// Checkpoint: single files and sharded "*.safetensors.index.json" sets.

#include "weights/checkpoint.h"

#include <gtest/gtest.h>

#include "support/test_paths.h"
#include "weights_test_util.h"

namespace fd {
namespace {

using test::bytesOf;
using test::makeTensor;

// Shards of a two-file checkpoint: a.w, a.b in the first; c.w in the second
// (which sits in a subfolder to check paths relative to the index).
struct ShardedFixture {
  test::TempDir dir{"ckpt"};
  std::string index = (dir / "model.safetensors.index.json").string();
  std::string shard1 = (dir / "model-00001-of-00002.safetensors").string();
  std::string shard2 = (dir / "part2" / "model-00002-of-00002.safetensors").string();

  ShardedFixture() {
    std::filesystem::create_directories(dir / "part2");
    EXPECT_TRUE(
        writeSafetensors(shard1, {makeTensor("a.w", DType::F32, {2}, bytesOf<float>({1, 2})),
                                  makeTensor("a.b", DType::U8, {3}, {1, 2, 3})})
            .ok());
    EXPECT_TRUE(writeSafetensors(
                    shard2, {makeTensor("c.w", DType::I16, {2, 2}, bytesOf<int16_t>({1, 2, 3, 4}))})
                    .ok());
  }
  void writeIndex(const std::string& weightMapJson) const {
    test::writeTextFile(index,
                        R"({"metadata": {"total_size": 19}, "weight_map": )" + weightMapJson + "}");
  }
  static std::string validMap() {
    return R"({"a.w": "model-00001-of-00002.safetensors",
               "a.b": "model-00001-of-00002.safetensors",
               "c.w": "part2/model-00002-of-00002.safetensors"})";
  }
};

TEST(Checkpoint, SingleFileListsEveryTensor) {
  ShardedFixture f;
  auto checkpoint = Checkpoint::open(f.shard1);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message;
  EXPECT_EQ(checkpoint.value().path(), f.shard1);
  EXPECT_EQ(checkpoint.value().files(), std::vector<std::string>{f.shard1});
  EXPECT_EQ(checkpoint.value().entries().size(), 2u);
  ASSERT_TRUE(checkpoint.value().contains("a.b"));
  EXPECT_EQ(checkpoint.value().find("a.b")->info->shape, std::vector<int64_t>{3});
  EXPECT_FALSE(checkpoint.value().contains("c.w"));
  EXPECT_EQ(checkpoint.value().totalBytes(), 8u + 3u);
}

TEST(Checkpoint, ShardedIndexResolvesShardsBesideTheIndex) {
  ShardedFixture f;
  f.writeIndex(ShardedFixture::validMap());
  auto checkpoint = Checkpoint::open(f.index);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message;
  EXPECT_EQ(checkpoint.value().files().size(), 2u);
  EXPECT_EQ(checkpoint.value().entries().size(), 3u);
  EXPECT_EQ(checkpoint.value().totalBytes(), 8u + 3u + 8u);
  const CheckpointEntry* c = checkpoint.value().find("c.w");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(std::filesystem::path(c->file->path()), std::filesystem::path(f.shard2));
  EXPECT_EQ(c->info->dtype, DType::I16);
  const int16_t* values = reinterpret_cast<const int16_t*>(c->file->data(*c->info));
  EXPECT_EQ(values[3], 4);
  EXPECT_EQ(std::filesystem::path(checkpoint.value().find("a.w")->file->path()),
            std::filesystem::path(f.shard1));
}

TEST(Checkpoint, MissingShardIsModelMissingNamingIndexAndShard) {
  ShardedFixture f;
  f.writeIndex(R"({"a.w": "model-00001-of-00002.safetensors", "x": "gone.safetensors"})");
  auto checkpoint = Checkpoint::open(f.index);
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_TRUE(test::isErrorNaming(checkpoint.error(), ErrorKind::ModelMissing, f.index,
                                  {"gone.safetensors", "not found"}));
}

TEST(Checkpoint, NameMissingFromItsShardNamesTensorAndFiles) {
  ShardedFixture f;
  f.writeIndex(R"({"a.w": "model-00001-of-00002.safetensors",
                   "c.w": "model-00001-of-00002.safetensors"})");
  auto checkpoint = Checkpoint::open(f.index);
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_TRUE(
      test::isErrorNaming(checkpoint.error(), ErrorKind::ModelInvalid, f.index,
                          {"'c.w'", "model-00001-of-00002.safetensors", "does not contain"}));
}

TEST(Checkpoint, TensorInTwoShardsIsAnErrorNamingBoth) {
  ShardedFixture f;
  const std::string extra = (f.dir / "extra.safetensors").string();
  // extra.safetensors also holds a.w, which the index maps to the first shard.
  ASSERT_TRUE(writeSafetensors(extra, {makeTensor("a.w", DType::F32, {2}, bytesOf<float>({5, 6})),
                                       makeTensor("z", DType::U8, {1}, {1})})
                  .ok());
  f.writeIndex(R"({"a.w": "model-00001-of-00002.safetensors", "z": "extra.safetensors"})");
  auto checkpoint = Checkpoint::open(f.index);
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_TRUE(test::isErrorNaming(
      checkpoint.error(), ErrorKind::ModelInvalid, f.index,
      {"'a.w'", "both", "model-00001-of-00002.safetensors", "extra.safetensors"}));
}

TEST(Checkpoint, NameListedTwiceInTheIndexIsAnError) {
  ShardedFixture f;
  f.writeIndex(R"({"a.w": "model-00001-of-00002.safetensors",
                   "a.w": "part2/model-00002-of-00002.safetensors"})");
  auto checkpoint = Checkpoint::open(f.index);
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_TRUE(
      test::isErrorNaming(checkpoint.error(), ErrorKind::ModelInvalid, f.index, {"'a.w' twice"}));
}

TEST(Checkpoint, MalformedIndexesAreModelInvalid) {
  ShardedFixture f;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json {", "not valid JSON"},
      {"[1]", "JSON object"},
      {R"({"metadata": {}})", "'weight_map'"},
      {R"({"weight_map": {}})", "empty"},
      {R"({"weight_map": {"a.w": 3}})", "(tensor 'a.w')"},
      {R"({"weight_map": {"a.w": "/etc/model.safetensors"}})", "outside the index folder"},
      {R"({"weight_map": {"a.w": "../model-00001-of-00002.safetensors"}})",
       "outside the index folder"},
  };
  for (const auto& [text, expected] : cases) {
    test::writeTextFile(f.index, text);
    auto checkpoint = Checkpoint::open(f.index);
    ASSERT_FALSE(checkpoint.ok()) << text;
    EXPECT_TRUE(
        test::isErrorNaming(checkpoint.error(), ErrorKind::ModelInvalid, f.index, {expected}))
        << text;
  }
}

TEST(Checkpoint, MalformedShardIsReportedWithItsPath) {
  ShardedFixture f;
  test::writeBytes(f.shard2, "bad");
  f.writeIndex(ShardedFixture::validMap());
  auto checkpoint = Checkpoint::open(f.index);
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_TRUE(test::isErrorNaming(checkpoint.error(), ErrorKind::ModelInvalid, f.index,
                                  {"model-00002-of-00002.safetensors", "too small"}));
}

TEST(Checkpoint, MissingFilesAreModelMissing) {
  test::TempDir dir("ckpt-missing");
  for (const std::string name : {"absent.safetensors", "absent.safetensors.index.json"}) {
    const std::string path = (dir / name).string();
    auto checkpoint = Checkpoint::open(path);
    ASSERT_FALSE(checkpoint.ok());
    EXPECT_TRUE(
        test::isErrorNaming(checkpoint.error(), ErrorKind::ModelMissing, path, {"not found"}));
  }
}

}  // namespace
}  // namespace fd
