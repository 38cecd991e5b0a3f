// fluxdesk-cli inspect PATH... [--json] [--tokenizers DIR]
// PATH: a model folder (HF snapshot, a folder of single files, ComfyUI's
// models/ tree), or one .safetensors / .sft / .safetensors.index.json /
// .gguf file, or what --model takes besides (a preset id,
// org/name[@revision] in the Hugging Face cache). Prints the detected
// layout, each component's files, their format (GGUF: version,
// architecture), a histogram of storage types (tensors and bytes per type:
// q4_K, f16, ...), parameter counts, naming and the architecture read from
// the weights, and what is missing. The text and
// the JSON output come from one report object. Exit code 0: everything
// found and understood; 1: something missing or invalid; 2: bad usage.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "hub/hub_config.h"
#include "hub/model_presets.h"
#include "weights/architecture.h"
#include "weights/architecture_json.h"
#include "weights/checkpoint.h"
#include "weights/component_kind.h"
#include "weights/dtype.h"
#include "weights/gguf_file.h"
#include "weights/model_files.h"
#include "weights/tensor_file.h"
#include "weights/weight_map.h"

namespace fd::cli {

namespace {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

template <typename Params>
void putArchitecture(json& report, const Result<Params>& params) {
  if (params)
    report["architecture"] = architectureJson(params.value());
  else
    report["error"] = params.error().message;
}

// Maps the checkpoint as `kind` and reads its architecture; problems go to
// report["error"].
void describeComponent(json& report, const Checkpoint& checkpoint, ComponentKind kind,
                       const std::string& configText) {
  Result<WeightMap> weights = makeError(ErrorKind::Internal, "unknown component");
  switch (kind) {
    case ComponentKind::Transformer: weights = mapFluxTransformer(checkpoint); break;
    case ComponentKind::Autoencoder: weights = mapAutoencoder(checkpoint); break;
    case ComponentKind::ClipText: weights = mapClipText(checkpoint); break;
    case ComponentKind::T5Encoder: weights = mapT5Encoder(checkpoint); break;
  }
  if (!weights) {
    report["error"] = weights.error().message;
    return;
  }
  const WeightMap& map = weights.value();
  report["naming"] = weightNamingName(map.naming);
  report["parameters"] = map.parameterCount();
  report["canonical_tensors"] = map.recipes().size();
  report["ignored"] = map.ignored;
  switch (kind) {
    case ComponentKind::Transformer:
      putArchitecture(report, detectFluxParams(map, configText));
      break;
    case ComponentKind::Autoencoder:
      putArchitecture(report, detectAutoencoderParams(map, configText));
      break;
    case ComponentKind::ClipText:
      putArchitecture(report, detectClipTextParams(map, configText));
      break;
    case ComponentKind::T5Encoder: putArchitecture(report, detectT5Params(map, configText)); break;
  }
}

// The files a checkpoint reads, each opened once: from its entries, or
// opened again when it holds no tensor at all (only then is the format not
// known from an entry).
std::vector<std::shared_ptr<TensorFile>> tensorFilesOf(const Checkpoint& checkpoint) {
  std::vector<std::shared_ptr<TensorFile>> files;
  std::set<const TensorFile*> seen;
  const TensorFile* previous = nullptr;  // entries of one file mostly follow each other
  for (const auto& entry : checkpoint.entries()) {
    const TensorFile* file = entry.second.file.get();
    if (file != previous && seen.insert(file).second) files.push_back(entry.second.file);
    previous = file;
  }
  if (files.empty())
    for (const auto& path : checkpoint.files())
      if (auto file = openTensorFile(path)) files.push_back(file.value());
  return files;
}

// What every component report shares: files, their format, stored tensor
// count, bytes, and per storage type the tensors and bytes ("dtypes": the
// counts under the upper-case names, kept for scripts; "storage_types": the
// histogram, largest first, under ggml's spelling).
json fileSummary(const Checkpoint& checkpoint) {
  struct Tally {
    size_t tensors = 0;
    uint64_t bytes = 0;
  };
  std::map<DType, Tally> byType;
  uint64_t totalBytes = 0;
  for (const auto& entry : checkpoint.entries()) {
    Tally& t = byType[entry.second.info->dtype];
    ++t.tensors;
    t.bytes += entry.second.info->byteSize();
    totalBytes += entry.second.info->byteSize();
  }
  std::vector<std::pair<DType, Tally>> ranked(byType.begin(), byType.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.second.bytes != b.second.bytes) return a.second.bytes > b.second.bytes;
    return std::string(dtypeDisplayName(a.first)) < dtypeDisplayName(b.first);
  });
  json dtypes = json::object();
  for (const auto& [dtype, tally] : byType) dtypes[safetensorsName(dtype)] = tally.tensors;
  json storage = json::array();
  for (const auto& [dtype, tally] : ranked)
    storage.push_back(
        {{"type", dtypeDisplayName(dtype)}, {"tensors", tally.tensors}, {"bytes", tally.bytes}});

  json summary = {{"files", checkpoint.files()}};
  const auto files = tensorFilesOf(checkpoint);
  if (!files.empty()) summary["format"] = tensorFileFormatName(files.front()->format());
  for (const auto& file : files) {
    const auto* gguf = dynamic_cast<const GgufFile*>(file.get());
    if (!gguf) continue;
    summary["gguf"] = {{"version", gguf->version()},
                       {"architecture", gguf->architecture()},
                       {"alignment", gguf->alignment()},
                       {"metadata_keys", gguf->metadata().size()}};
    break;  // GGUF checkpoints are single files
  }
  summary["bytes"] = totalBytes;
  summary["tensors"] = checkpoint.entries().size();
  summary["dtypes"] = dtypes;
  summary["storage_types"] = storage;
  return summary;
}

std::string readConfig(const std::string& path, json& problems) {
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) problems.push_back("cannot read " + path);
  return text.str();
}

void collectProblem(json& problems, const json& component) {
  if (component.contains("error"))
    problems.push_back(component.value("component", std::string("?")) + ": " +
                       component["error"].get<std::string>());
}

json inspectFile(const std::string& path) {
  json report = {
      {"path", path}, {"kind", "file"}, {"components", json::array()}, {"problems", json::array()}};
  auto checkpoint = Checkpoint::open(path);
  if (!checkpoint) {
    report["problems"].push_back(checkpoint.error().message);
    return report;
  }
  std::string configPath;
  fs::path beside = fs::path(path).parent_path() / "config.json";
  std::error_code ec;
  if (fs::is_regular_file(beside, ec)) configPath = beside.string();
  report["config"] = configPath.empty() ? json(nullptr) : json(configPath);
  std::string configText = readConfig(configPath, report["problems"]);
  report["file"] = fileSummary(checkpoint.value());

  auto kinds = componentsInCheckpoint(checkpoint.value());
  if (kinds.empty())
    report["problems"].push_back(
        path +
        ": its keys match no known component (FLUX transformer, autoencoder, "
        "CLIP text encoder, T5 encoder)");
  for (ComponentKind kind : kinds) {
    json component = {{"component", componentKindName(kind)}, {"path", path}};
    describeComponent(component, checkpoint.value(), kind, configText);
    collectProblem(report["problems"], component);
    report["components"].push_back(component);
  }
  return report;
}

std::optional<ComponentKind> weightsKind(const std::string& name) {
  if (name == "transformer") return ComponentKind::Transformer;
  if (name == "autoencoder") return ComponentKind::Autoencoder;
  if (name == "clip") return ComponentKind::ClipText;
  if (name == "t5") return ComponentKind::T5Encoder;
  return std::nullopt;  // a tokenizer
}

json inspectFolder(const ModelLocation& location) {
  ModelFiles files = scanModelFiles(location);
  json report = {{"path", location.folder},  {"kind", "folder"},
                 {"layout", files.layout},   {"components", json::array()},
                 {"missing", json::array()}, {"problems", json::array()}};
  report["model_index"] = files.modelIndexPath.empty() ? json(nullptr) : json(files.modelIndexPath);
  for (const ComponentFiles* c : files.components()) {
    json component = {{"component", c->name}, {"found", c->found}};
    if (!c->found) {
      component["looked_in"] = c->lookedIn;
      component["notes"] = c->notes;
      report["missing"].push_back(c->name);
      report["components"].push_back(component);
      continue;
    }
    component["path"] = c->path;
    component["source"] = c->source;
    component["files"] = c->files;
    component["config"] = c->configPath.empty() ? json(nullptr) : json(c->configPath);
    // Candidates passed over (another format holding it too, misnamed files).
    if (!c->notes.empty()) component["notes"] = c->notes;
    if (auto kind = weightsKind(c->name)) {
      auto checkpoint = Checkpoint::open(c->path);
      if (!checkpoint) {
        component["error"] = checkpoint.error().message;
      } else {
        component.update(fileSummary(checkpoint.value()));
        describeComponent(component, checkpoint.value(), *kind,
                          readConfig(c->configPath, report["problems"]));
      }
    }
    collectProblem(report["problems"], component);
    report["components"].push_back(component);
  }
  if (!files.complete()) {
    std::string list;
    for (const auto& m : report["missing"])
      list += (list.empty() ? "" : ", ") + m.get<std::string>();
    report["problems"].push_back("not found: " + list);
  }
  return report;
}

std::string valueText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string bytesText(uint64_t bytes) {
  char buf[64];
  if (bytes >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / double(1ull << 30));
  else if (bytes >= (1ull << 20))
    std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / double(1ull << 20));
  else if (bytes >= (1ull << 10))
    std::snprintf(buf, sizeof buf, "%.2f KiB", bytes / double(1ull << 10));
  else
    std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  return buf;
}

// "  format: gguf v3 (architecture flux, alignment 32, 5 metadata keys)" or
// "  format: safetensors".
void printFormat(const json& summary) {
  if (!summary.contains("format")) return;
  std::printf("  format: %s", valueText(summary["format"]).c_str());
  if (summary.contains("gguf")) {
    const json& g = summary["gguf"];
    const std::string arch = g.value("architecture", std::string());
    std::printf(" v%s (architecture %s, alignment %s, %s metadata keys)",
                valueText(g["version"]).c_str(), arch.empty() ? "not given" : arch.c_str(),
                valueText(g["alignment"]).c_str(), valueText(g["metadata_keys"]).c_str());
  }
  std::printf("\n");
}

// "  stored tensors: 780 (6.81 GiB)" and
// "  storage types: q4_K 266 tensors 6.20 GiB, f32 476 tensors 1.25 MiB".
void printStorage(const json& summary) {
  std::printf("  stored tensors: %s (%s)\n", valueText(summary["tensors"]).c_str(),
              bytesText(summary["bytes"].get<uint64_t>()).c_str());
  if (!summary.contains("storage_types") || summary["storage_types"].empty()) return;
  std::printf("  storage types:");
  bool first = true;
  for (const auto& t : summary["storage_types"]) {
    const size_t tensors = t["tensors"].get<size_t>();
    std::printf("%s %s %zu tensor%s %s", first ? "" : ",", valueText(t["type"]).c_str(), tensors,
                tensors == 1 ? "" : "s", bytesText(t["bytes"].get<uint64_t>()).c_str());
    first = false;
  }
  std::printf("\n");
}

void printComponent(const json& c, const json* file) {
  std::printf("%s:", c["component"].get<std::string>().c_str());
  if (c.contains("found") && !c["found"].get<bool>()) {
    std::printf(" MISSING\n");
    for (const auto& place : c["looked_in"])
      std::printf("  looked in: %s\n", valueText(place).c_str());
    for (const auto& note : c["notes"]) std::printf("  note: %s\n", valueText(note).c_str());
    return;
  }
  std::printf(" %s", c.value("path", std::string()).c_str());
  if (c.contains("source")) std::printf(" [%s]", c["source"].get<std::string>().c_str());
  std::printf("\n");
  const json& summary = file ? *file : c;
  if (summary.contains("files") && summary["files"].size() > 1)
    for (const auto& f : summary["files"]) std::printf("  file: %s\n", valueText(f).c_str());
  if (c.contains("config") && !c["config"].is_null())
    std::printf("  config: %s\n", valueText(c["config"]).c_str());
  printFormat(summary);
  if (summary.contains("tensors")) printStorage(summary);
  if (c.contains("naming")) std::printf("  naming: %s\n", valueText(c["naming"]).c_str());
  if (c.contains("parameters"))
    std::printf("  parameters: %s\n", valueText(c["parameters"]).c_str());
  if (c.contains("ignored") && !c["ignored"].empty())
    std::printf("  ignored keys: %zu (e.g. %s)\n", c["ignored"].size(),
                valueText(c["ignored"][0]).c_str());
  if (c.contains("architecture")) {
    std::printf("  architecture:");
    for (const auto& [key, value] : c["architecture"].items())
      std::printf(" %s=%s", key.c_str(), valueText(value).c_str());
    std::printf("\n");
  }
  if (c.contains("notes"))
    for (const auto& note : c["notes"]) std::printf("  note: %s\n", valueText(note).c_str());
  if (c.contains("error")) std::printf("  ERROR: %s\n", valueText(c["error"]).c_str());
}

void printReport(const json& report) {
  std::printf("path: %s\n", valueText(report["path"]).c_str());
  if (report.contains("layout")) std::printf("layout: %s\n", valueText(report["layout"]).c_str());
  if (report.contains("model_index") && !report["model_index"].is_null())
    std::printf("model_index.json: %s\n", valueText(report["model_index"]).c_str());
  const json* file = report.contains("file") ? &report["file"] : nullptr;
  if (file && report["components"].empty())
    printComponent({{"component", "file"}, {"path", report["path"]}}, file);
  for (const auto& c : report["components"]) printComponent(c, file);
  if (report["problems"].empty()) std::printf("status: ok\n");
  for (const auto& p : report["problems"]) std::printf("problem: %s\n", valueText(p).c_str());
}

void printUsage(std::FILE* out) {
  std::fprintf(
      out,
      "usage: fluxdesk-cli inspect PATH... [--json] [--tokenizers DIR]\n"
      "  PATH            a model folder (Hugging Face FLUX.1 snapshot, a folder of single\n"
      "                  files, ComfyUI's models/ folder) or one .safetensors / .sft /\n"
      "                  .safetensors.index.json / .gguf file; or a preset id or\n"
      "                  org/name[@revision] in the Hugging Face cache\n"
      "  --json          print the report as JSON (a list of reports for several PATHs)\n"
      "  --tokenizers    folder with vocab.json, merges.txt, spiece.model (or subfolders)\n");
}

json inspectPath(const std::string& path, const std::string& tokenizers) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    ModelLocation location;
    location.folder = path;
    location.tokenizerFolder = tokenizers;
    return inspectFolder(location);
  }
  if (fs::exists(path, ec)) return inspectFile(path);
  // A preset or org/name[@revision] in the shared Hugging Face cache.
  auto location = resolveModelReference(path, hubConfigFromEnvironment().cacheDir);
  if (!location)
    return {{"path", path},
            {"kind", "missing"},
            {"components", json::array()},
            {"problems", json::array({location.error().message})}};
  if (!tokenizers.empty()) location->tokenizerFolder = tokenizers;
  json report = inspectFolder(location.value());
  report["path"] = path;
  report["kind"] = "reference";
  report["folder"] = location->folder;
  return report;
}

}  // namespace

int runInspect(const Args& args) {
  std::vector<std::string> paths;
  std::string tokenizers;
  bool asJson = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      printUsage(stdout);
      return 0;
    }
    if (a == "--json")
      asJson = true;
    else if (a == "--tokenizers" && i + 1 < args.size())
      tokenizers = args[++i];
    else if (!a.empty() && a[0] != '-')
      paths.push_back(a);
    else {
      std::fprintf(stderr, "fluxdesk-cli inspect: unexpected argument '%s'\n", a.c_str());
      printUsage(stderr);
      return 2;
    }
  }
  if (paths.empty()) {
    printUsage(stderr);
    return 2;
  }
  json reports = json::array();
  bool problems = false;
  for (const auto& path : paths) {
    reports.push_back(inspectPath(path, tokenizers));
    problems |= !reports.back()["problems"].empty();
  }
  // One path: its report; several: a list of reports, in argument order.
  if (asJson) {
    std::printf("%s\n", (paths.size() == 1 ? reports[0] : reports).dump(2).c_str());
  } else {
    for (size_t i = 0; i < reports.size(); ++i) {
      if (i) std::printf("\n");
      printReport(reports[i]);
    }
  }
  return problems ? 1 : 0;
}

}  // namespace fd::cli
