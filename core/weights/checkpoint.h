#pragma once
// A checkpoint: one safetensors or GGUF file, or a sharded set described by a
// `*.safetensors.index.json` (weight_map: tensor name -> shard file). Gives
// every tensor name with the file that holds it. Torch-free.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/safetensors_file.h"

namespace fd {

struct CheckpointEntry {
  std::shared_ptr<TensorFile> file;
  const TensorInfo* info = nullptr;  // owned by `file`
};

class Checkpoint {
 public:
  // `path`: a .safetensors or .gguf file, or a .safetensors.index.json whose shards
  // sit beside it. Every shard is opened (and its header validated); names
  // listed in the index but absent from the shard, or present in two
  // shards, are errors naming both files.
  static Result<Checkpoint> open(const std::string& path);

  const std::string& path() const { return path_; }
  std::vector<std::string> files() const;
  const std::map<std::string, CheckpointEntry>& entries() const { return entries_; }
  const CheckpointEntry* find(const std::string& name) const;
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  uint64_t totalBytes() const;
  // Drops the mapped pages of every file (TensorFile::releasePages).
  void releasePages() const;

 private:
  std::string path_;
  std::vector<std::shared_ptr<TensorFile>> shards_;
  std::map<std::string, CheckpointEntry> entries_;
};

}  // namespace fd
