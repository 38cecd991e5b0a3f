#pragma once
// Safetensors files of seeded random tensors, for the demo models. A tensor
// is described by a spec (name, dtype, shape, value range) and its values are
// drawn only while it is written, one tensor at a time: a multi-GB file never
// sits in memory, only its largest tensor does. Values come from a
// counter-based generator seeded by the tensor's name, with plain arithmetic
// only, so the bytes are the same on every machine. Torch-free.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "weights/dtype.h"

namespace fd {

struct RandomTensorSpec {
  std::string name;
  DType dtype = DType::F32;  // F32, F16 or BF16
  std::vector<int64_t> shape;
  // Values uniform in [mean - halfWidth, mean + halfWidth); halfWidth 0
  // gives the constant `mean` (e.g. norm scales of exactly 1).
  double mean = 0.0;
  double halfWidth = 0.0;
  // For [out, in, 3, 3] convolution weights: one value per (out, in) pair
  // spread over a 3x3 binomial blur (1 2 1 / 2 4 2 / 1 2 1, scaled to keep
  // the tap variance), so the convolution mixes channels and low-passes.
  // The tiny demo's decoder uses it to draw soft shapes instead of static.
  bool blur3x3 = false;

  int64_t numel() const;
  size_t byteCount() const;
};

// The tensor's little-endian bytes, into `bytes` (resized; its capacity is
// reused from one tensor to the next).
void fillRandomTensor(const RandomTensorSpec& spec, std::vector<uint8_t>& bytes);

// Writes the tensors in order (header in the same order, padded with spaces
// so the data starts at a multiple of 8: the same bytes writeSafetensors
// gives for the filled tensors). Atomic: the file appears complete or not at
// all. BadRequest for a duplicate name or an unsupported dtype, Io naming the
// path for file system failures (disk full, permissions).
Status writeRandomSafetensors(const std::string& path, const std::vector<RandomTensorSpec>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

}  // namespace fd
