#pragma once
// Which model a checkpoint holds, told from its keys (not its file name):
// discovery uses it to recognise a renamed transformer file, `inspect` to
// describe a single file. The key markers live with the renaming rules in
// weight_names.cpp. Torch-free.

#include <optional>
#include <string>
#include <vector>

#include "weights/checkpoint.h"

namespace fd {

enum class ComponentKind { Transformer, Autoencoder, ClipText, T5Encoder };

// "transformer", "autoencoder", "clip", "t5" (the names discovery and
// `inspect` print).
const char* componentKindName(ComponentKind kind);

// Every component whose keys the checkpoint holds, in the order above (a
// ComfyUI all-in-one file holds several, each under its own prefix).
std::vector<ComponentKind> componentsInCheckpoint(const Checkpoint& checkpoint);

// The first of componentsInCheckpoint, or nullopt when the keys match none.
std::optional<ComponentKind> guessComponentKind(const Checkpoint& checkpoint);

}  // namespace fd
