#pragma once
// Helpers for the weights tests: typed values to bytes, hand-made (and
// deliberately broken) safetensors files, error expectations.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/safetensors_writer.h"
#include "weights/weight_map.h"

namespace fd::test {

template <typename T>
std::vector<uint8_t> bytesOf(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// 8-byte little-endian length, then `headerJson` as it is, then `data`.
std::string rawSafetensors(const std::string& headerJson, const std::string& data = {});
// Same with an explicit (possibly lying) header length.
std::string rawSafetensorsWithLength(uint64_t headerLength, const std::string& headerJson,
                                     const std::string& data = {});
void writeBytes(const std::filesystem::path& path, const std::string& bytes);
std::string readBytes(const std::filesystem::path& path);

TensorToWrite makeTensor(const std::string& name, DType dtype, std::vector<int64_t> shape,
                         std::vector<uint8_t> bytes);

// Every checkpoint tensor under its own name (what the name mappers do for
// files already in canonical naming).
WeightMap identityMap(const Checkpoint& checkpoint);

// Files under `folder` whose name contains ".tmp-" (leftovers of the writer).
std::vector<std::string> tempLeftovers(const std::filesystem::path& folder);

// Asserts kind and that the message names `path` first and contains each
// of `parts`.
::testing::AssertionResult isErrorNaming(const Error& error, ErrorKind kind,
                                         const std::string& path,
                                         const std::vector<std::string>& parts);

}  // namespace fd::test
