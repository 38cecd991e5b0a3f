#include "weights_test_util.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fd::test {

std::string rawSafetensorsWithLength(uint64_t headerLength, const std::string& headerJson,
                                     const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((headerLength >> (8 * i)) & 0xFF);
  return out + headerJson + data;
}

std::string rawSafetensors(const std::string& headerJson, const std::string& data) {
  return rawSafetensorsWithLength(headerJson.size(), headerJson, data);
}

void writeBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string readBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TensorToWrite makeTensor(const std::string& name, DType dtype, std::vector<int64_t> shape,
                         std::vector<uint8_t> bytes) {
  TensorToWrite tensor;
  tensor.name = name;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  tensor.bytes = std::move(bytes);
  return tensor;
}

std::vector<std::string> tempLeftovers(const std::filesystem::path& folder) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().filename().string().find(".tmp-") != std::string::npos)
      found.push_back(entry.path().string());
  return found;
}

::testing::AssertionResult isErrorNaming(const Error& error, ErrorKind kind,
                                         const std::string& path,
                                         const std::vector<std::string>& parts) {
  if (error.kind != kind)
    return ::testing::AssertionFailure() << "kind " << errorKindName(error.kind) << " instead of "
                                         << errorKindName(kind) << ": " << error.message;
  if (error.message.rfind(path + ": ", 0) != 0)
    return ::testing::AssertionFailure()
           << "message does not start with the path '" << path << "': " << error.message;
  for (const auto& part : parts)
    if (error.message.find(part) == std::string::npos)
      return ::testing::AssertionFailure() << "message lacks '" << part << "': " << error.message;
  return ::testing::AssertionSuccess();
}

WeightMap identityMap(const Checkpoint& checkpoint) {
  WeightMap map;
  for (const auto& [name, entry] : checkpoint.entries()) {
    WeightRecipe recipe;
    recipe.parts = {entry};
    recipe.shape = entry.info->shape;
    recipe.dtype = entry.info->dtype;
    map.add(name, recipe);
  }
  return map;
}

}  // namespace fd::test
