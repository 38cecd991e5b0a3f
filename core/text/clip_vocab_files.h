#pragma once
// Reads CLIP's vocab.json and merges.txt the way HF's CLIPTokenizer does.

#include <string>

#include "common/result.h"
#include "text/byte_bpe.h"

namespace fd {

// The reference keeps at most 49152 - 256 - 2 merges (CLIP's files hold exactly 48894).
constexpr size_t kClipMaxMerges = 49152 - 256 - 2;

Result<ByteBpeVocabulary> readClipVocabFiles(const std::string& vocabJson,
                                             const std::string& mergesTxt);

}  // namespace fd
