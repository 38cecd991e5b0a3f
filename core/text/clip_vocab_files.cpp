#include "text/clip_vocab_files.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fd {

namespace {

Result<std::string> readFile(const std::string& path, const char* what) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return makeError(ErrorKind::ModelMissing,
                     std::string("the CLIP tokenizer's ") + what + " was not found at " + path);
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return makeError(ErrorKind::Io, "could not read " + path);
  return text.str();
}

bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::vector<std::string> splitOnWhitespace(const std::string& line) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && isAsciiSpace(line[i])) ++i;
    size_t end = i;
    while (end < line.size() && !isAsciiSpace(line[end])) ++end;
    if (end > i) parts.push_back(line.substr(i, end - i));
    i = end;
  }
  return parts;
}

Status parseVocab(const std::string& text, const std::string& path, ByteBpeVocabulary& out) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return makeError(ErrorKind::ModelInvalid, path + " is not a JSON object of token -> id");
  }
  out.tokenIds.reserve(json.size());
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (!it.value().is_number_integer()) {
      return makeError(ErrorKind::ModelInvalid,
                       path + ": the id of token '" + it.key() + "' is not an integer");
    }
    out.tokenIds.emplace(it.key(), it.value().get<int64_t>());
  }
  return Status::success();
}

// As HF: strip the file, split it into lines, skip the first ("#version: 0.2"),
// keep at most kClipMaxMerges lines of two whitespace-separated symbols.
Status parseMerges(const std::string& text, const std::string& path, ByteBpeVocabulary& out) {
  size_t begin = 0, end = text.size();
  while (begin < end && isAsciiSpace(text[begin])) ++begin;
  while (end > begin && isAsciiSpace(text[end - 1])) --end;
  size_t lineNumber = 0;
  size_t pos = begin;
  while (pos < end && out.merges.size() < kClipMaxMerges) {
    size_t lineEnd = text.find('\n', pos);
    if (lineEnd == std::string::npos || lineEnd > end) lineEnd = end;
    ++lineNumber;
    if (lineNumber > 1) {
      const std::vector<std::string> parts = splitOnWhitespace(text.substr(pos, lineEnd - pos));
      if (parts.size() != 2) {
        return makeError(ErrorKind::ModelInvalid,
                         path + " line " + std::to_string(lineNumber) +
                             ": a merge must be two symbols separated by a space");
      }
      out.merges.emplace_back(parts[0], parts[1]);
    }
    pos = lineEnd + 1;
  }
  if (out.merges.empty()) return makeError(ErrorKind::ModelInvalid, path + " holds no merges");
  return Status::success();
}

}  // namespace

Result<ByteBpeVocabulary> readClipVocabFiles(const std::string& vocabJson,
                                             const std::string& mergesTxt) {
  Result<std::string> vocabText = readFile(vocabJson, "vocab.json");
  if (!vocabText) return vocabText.error();
  Result<std::string> mergesText = readFile(mergesTxt, "merges.txt");
  if (!mergesText) return mergesText.error();

  ByteBpeVocabulary vocabulary;
  if (Status s = parseVocab(*vocabText, vocabJson, vocabulary); !s) return s.error();
  if (Status s = parseMerges(*mergesText, mergesTxt, vocabulary); !s) return s.error();
  return vocabulary;
}

}  // namespace fd
