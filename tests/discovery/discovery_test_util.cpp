#include "discovery/discovery_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "weights/architecture_json.h"
#include "weights/gguf_writer.h"
#include "weights/safetensors_writer.h"

namespace fd::test {

namespace fs = std::filesystem;

namespace {

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// Deterministic bytes that differ between tensors (the name seeds them).
std::vector<uint8_t> contents(const TensorSpec& t) {
  uint32_t seed = 2166136261u;
  for (char c : t.name) seed = (seed ^ static_cast<uint8_t>(c)) * 16777619u;
  std::vector<uint8_t> bytes(static_cast<size_t>(numel(t.shape)) * dtypeSize(t.dtype));
  for (size_t i = 0; i < bytes.size(); ++i) {
    seed = seed * 1103515245u + 12345u;
    bytes[i] = static_cast<uint8_t>(seed >> 16);
  }
  // Keep floating values finite: clear the top exponent bit of each element.
  size_t width = dtypeSize(t.dtype);
  if (isFloatingPoint(t.dtype))
    for (size_t i = width - 1; i < bytes.size(); i += width) bytes[i] &= 0x3f;
  return bytes;
}

}  // namespace

void writeSpec(const fs::path& file, const StateSpec& spec) {
  fs::create_directories(file.parent_path());
  std::vector<TensorToWrite> tensors;
  for (const auto& t : spec) {
    TensorToWrite w;
    w.name = t.name;
    w.dtype = t.dtype;
    w.shape = t.shape;
    w.bytes = contents(t);
    tensors.push_back(std::move(w));
  }
  Status s = writeSafetensors(file.string(), tensors, {{"format", "pt"}});
  if (!s) throw std::runtime_error("writeSafetensors: " + s.error().message);
}

void writeGgufSpec(const fs::path& file, const StateSpec& spec, const std::string& architecture) {
  fs::create_directories(file.parent_path());
  std::vector<GgufMetadataEntry> metadata;
  if (!architecture.empty()) metadata.push_back({"general.architecture", GgufValue(architecture)});
  metadata.push_back(
      {"general.name", GgufValue(std::string("fluxdesk test ") + file.filename().string())});
  std::vector<GgufTensorLayout> layout;
  for (const auto& t : spec) layout.push_back({t.name, t.dtype, t.shape});
  Status s = writeGgufStreaming(
      file.string(), metadata, layout, [&](size_t index, std::vector<uint8_t>& bytes) {
        const TensorSpec& t = spec[index];
        auto size = storageBytes(t.dtype, numel(t.shape));
        if (!size)
          return Status(makeError(ErrorKind::BadRequest, t.name + ": shape is not whole blocks"));
        uint32_t seed = 2166136261u;
        for (char c : t.name) seed = (seed ^ static_cast<uint8_t>(c)) * 16777619u;
        bytes.resize(*size);
        for (auto& b : bytes) {
          seed = seed * 1103515245u + 12345u;
          b = static_cast<uint8_t>(seed >> 16) & 0x3f;  // small finite halves and floats
        }
        return Status();
      });
  if (!s) throw std::runtime_error("writeGgufStreaming: " + s.error().message);
}

void writeShardedSpec(const fs::path& folder, const std::string& indexName, const std::string& stem,
                      const StateSpec& spec, int shards) {
  nlohmann::json weightMap = nlohmann::json::object();
  const size_t per = (spec.size() + shards - 1) / shards;
  for (int i = 0; i < shards; ++i) {
    char name[128];
    std::snprintf(name, sizeof name, "%s-%05d-of-%05d.safetensors", stem.c_str(), i + 1, shards);
    StateSpec part(spec.begin() + std::min(spec.size(), i * per),
                   spec.begin() + std::min(spec.size(), (i + 1) * per));
    writeSpec(folder / name, part);
    for (const auto& t : part) weightMap[t.name] = name;
  }
  writeJson(folder / indexName, {{"metadata", {{"total_size", 0}}}, {"weight_map", weightMap}});
}

nlohmann::json toJson(const FluxParams& p) { return nlohmann::json(architectureJson(p)); }
nlohmann::json toJson(const AutoEncoderParams& p) { return nlohmann::json(architectureJson(p)); }
nlohmann::json toJson(const ClipTextParams& p) { return nlohmann::json(architectureJson(p)); }
nlohmann::json toJson(const T5Params& p) { return nlohmann::json(architectureJson(p)); }

CliRun runCli(const std::vector<std::string>& args) {
  auto quote = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  static int counter = 0;
  const fs::path errFile =
      fs::temp_directory_path() /
      ("fluxdesk-cli-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".err");
  std::string command = quote(FLUXDESK_CLI_PATH);
  for (const auto& a : args) command += " " + quote(a);
  command += " 2>" + quote(errFile.string());
  CliRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + command);
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  int status = ::pclose(pipe);
  run.exitCode =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  std::ifstream err(errFile, std::ios::binary);
  std::stringstream errText;
  errText << err.rdbuf();
  run.err = errText.str();
  std::error_code ec;
  fs::remove(errFile, ec);
  return run;
}

nlohmann::json readJson(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

void writeJson(const fs::path& path, const nlohmann::json& value) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << value.dump(2);
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::vector<std::string> architectureMismatches(const nlohmann::json& architecture,
                                                const nlohmann::json& expected,
                                                bool everyExpectedKey) {
  std::vector<std::string> problems;
  if (!architecture.is_object()) return {"no architecture object"};
  const nlohmann::json& keys = everyExpectedKey ? expected : architecture;
  for (const auto& [key, value] : keys.items()) {
    const nlohmann::json& other = everyExpectedKey ? architecture : expected;
    if (!other.contains(key)) {
      problems.push_back(key + ": missing on one side");
      continue;
    }
    const nlohmann::json& actual = architecture[key];
    const nlohmann::json& reference = expected[key];
    if (actual != reference)
      problems.push_back(key + ": got " + actual.dump() + ", expected " + reference.dump());
  }
  return problems;
}

}  // namespace fd::test
