#pragma once
// resources/demo/corpus.txt, compiled into the engine (see
// cmake/FluxDeskEmbedFile.cmake): the text the demo tokenizers learn from.

#include <string_view>

extern "C" const unsigned char fdDemoCorpus[];
extern "C" const unsigned long fdDemoCorpus_size;

namespace fd {

inline std::string_view demoCorpusText() {
  return {reinterpret_cast<const char*>(fdDemoCorpus), static_cast<size_t>(fdDemoCorpus_size)};
}

}  // namespace fd
