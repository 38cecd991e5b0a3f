#pragma once
// GGUF files of seeded random tensors, for the quantized demo models: the
// values are the ones random_safetensors.h draws for the same spec, then
// stored in a ggml type chosen per tensor the way city96's FLUX / T5 GGUF
// files are made, quantized by FluxDesk's own quantizer while the file is
// written, one tensor at a time. Torch-free.

#include <string>
#include <vector>

#include "common/result.h"
#include "demo/random_safetensors.h"
#include "weights/dtype.h"
#include "weights/gguf_quant_rules.h"
#include "weights/gguf_writer.h"

namespace fd {

// Writes the tensors in order under their spec names, with `metadata`
// (general.architecture etc.). BadRequest for a type FluxDesk cannot
// quantize to, Io naming the path for file system failures.
Status writeRandomGguf(const std::string& path, const std::vector<RandomTensorSpec>& tensors,
                       const GgufQuantRule& rule, const std::vector<GgufMetadataEntry>& metadata);

// The file's size before writing it (for the free-space check).
uint64_t randomGgufBytes(const std::vector<RandomTensorSpec>& tensors, const GgufQuantRule& rule);

}  // namespace fd
