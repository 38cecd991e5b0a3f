// fluxdesk-tokenizer-bench [TOKENIZER_DIR]: speed of the CLIP and T5
// tokenizers. TOKENIZER_DIR holds clip-vit-large-patch14/ and t5-v1_1/
// (default: $FLUXDESK_TOKENIZER_DIR or ../shared/tokenizers).
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>

#include "support/test_paths.h"
#include "text/clip_tokenizer.h"
#include "text/t5_tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs `encode` repeatedly for about `budget` seconds; returns calls per second.
double callsPerSecond(const std::function<bool()>& encode, double budget) {
  for (int i = 0; i < 20; ++i) encode();  // warm the caches
  long calls = 0;
  const Clock::time_point start = Clock::now();
  while (secondsSince(start) < budget) {
    for (int i = 0; i < 50; ++i) {
      if (!encode()) return -1;
      ++calls;
    }
  }
  return static_cast<double>(calls) / secondsSince(start);
}

// Wall time of one call, in milliseconds.
double millisecondsFor(const std::function<bool()>& encode) {
  const Clock::time_point start = Clock::now();
  const bool ok = encode();
  const double ms = secondsSince(start) * 1e3;
  return ok ? ms : -1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path root =
      argc > 1 ? std::filesystem::path(argv[1]) : fd::test::tokenizerRoot();
  const Clock::time_point loadStart = Clock::now();
  fd::Result<fd::ClipTokenizer> clip =
      fd::ClipTokenizer::fromFolder((root / "clip-vit-large-patch14").string());
  const double clipLoad = secondsSince(loadStart);
  if (!clip) {
    std::fprintf(stderr, "%s\n", clip.error().message.c_str());
    return 1;
  }
  const Clock::time_point t5Start = Clock::now();
  fd::Result<fd::T5Tokenizer> t5 =
      fd::T5Tokenizer::fromModelFile((root / "t5-v1_1" / "spiece.model").string());
  const double t5Load = secondsSince(t5Start);
  if (!t5) {
    std::fprintf(stderr, "%s\n", t5.error().message.c_str());
    return 1;
  }
  std::printf("load: CLIP %.1f ms, T5 %.1f ms\n", clipLoad * 1e3, t5Load * 1e3);

  // 40 words, the shape of a typical image prompt.
  const std::string prompt =
      "A cinematic photo of an old lighthouse keeper reading by a window, warm lamp light, rain on "
      "the glass, "
      "stormy sea outside, dramatic clouds, highly detailed face, 35mm lens, shallow depth of "
      "field, film grain, "
      "moody teal and orange";
  const auto clipEncode = [&](const std::string& text, int maxLength) {
    return [&clip, &text, maxLength] { return clip->encode(text, maxLength).ok(); };
  };
  const auto t5Encode = [&](const std::string& text, int maxLength) {
    return [&t5, &text, maxLength] { return t5->encode(text, maxLength).ok(); };
  };
  std::printf("typical 40-word prompt (%zu bytes):\n", prompt.size());
  std::printf("  CLIP (77):  %9.0f prompts/s\n", callsPerSecond(clipEncode(prompt, 77), 1.0));
  std::printf("  T5  (256):  %9.0f prompts/s\n", callsPerSecond(t5Encode(prompt, 256), 1.0));

  std::string repeated;
  while (repeated.size() < 100000) repeated += prompt + " ";
  std::string oneWord;
  std::mt19937 rng(1);
  while (oneWord.size() < 100000) oneWord.push_back(static_cast<char>('a' + rng() % 26));
  std::printf("100 KB prompts (one call each):\n");
  std::printf("  CLIP, the prompt repeated:     %7.1f ms\n",
              millisecondsFor(clipEncode(repeated, 77)));
  std::printf("  CLIP, one 100 KB random word:  %7.1f ms\n",
              millisecondsFor(clipEncode(oneWord, 77)));
  std::printf("  T5,   the prompt repeated:     %7.1f ms\n",
              millisecondsFor(t5Encode(repeated, 256)));
  std::printf("  T5,   one 100 KB random word:  %7.1f ms\n",
              millisecondsFor(t5Encode(oneWord, 256)));
  return 0;
}
