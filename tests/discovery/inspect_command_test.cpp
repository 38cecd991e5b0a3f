// `fluxdesk-cli inspect`: the real binary on every golden weights file
// (architecture against the case's config.json, and the same check through
// the library), and on synthetic folders and files (layout, format, storage
// type histograms, GGUF files, parameter counts, what is missing, exit
// codes).

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <numeric>
#include <set>

#include "discovery/discovery_test_util.h"
#include "discovery/layout_builders.h"
#include "support/test_paths.h"
#include "weights/checkpoint.h"
#include "weights/component_kind.h"
#include "weights/dtype.h"
#include "weights/weight_map.h"

namespace fd::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json inspectJson(const std::vector<std::string>& args, int expectedExit) {
  CliRun run = runCli(args);
  EXPECT_EQ(run.exitCode, expectedExit) << run.out << run.err;
  json report = json::parse(run.out, nullptr, false);
  if (report.is_discarded()) ADD_FAILURE() << "not JSON: " << run.out << run.err;
  return report;
}

// Weights files of the golden cases: *.safetensors named *weights* with a
// config.json beside them (tensors.safetensors holds inputs and outputs).
std::vector<fs::path> goldenWeightsFiles() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(goldenRoot(), ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() == ".safetensors" &&
        p.filename().string().find("weights") != std::string::npos &&
        fs::is_regular_file(p.parent_path() / "config.json"))
      files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The reference values for one component: the golden section, or the HF
// config itself. `everyKey`: each reference key must be reproduced.
json referenceFor(const std::string& component, const json& config, bool& everyKey) {
  everyKey = true;
  if (component == "transformer") return config.value("flux_params", json());
  if (component == "autoencoder") return config.value("autoencoder_params", json());
  everyKey = false;
  const std::string modelType = config.value("model_type", "");
  if (component == "clip" && modelType.find("clip") != std::string::npos) return config;
  if (component == "t5" && modelType == "t5") return config;
  return json();
}

// The library path: what inspect does, called directly.
json libraryArchitecture(const fs::path& file, const std::string& configText,
                         std::string& component) {
  auto checkpoint = Checkpoint::open(file.string());
  if (!checkpoint) throw std::runtime_error(checkpoint.error().message);
  auto kind = guessComponentKind(checkpoint.value());
  if (!kind) throw std::runtime_error(file.string() + ": no component");
  component = componentKindName(*kind);
  auto check = [](auto result) {
    if (!result) throw std::runtime_error(result.error().message);
    return toJson(std::move(result).value());
  };
  auto mapped = [&](Result<WeightMap> map) {
    if (!map) throw std::runtime_error(map.error().message);
    return std::move(map).value();
  };
  switch (*kind) {
    case ComponentKind::Transformer:
      return check(detectFluxParams(mapped(mapFluxTransformer(*checkpoint)), configText));
    case ComponentKind::Autoencoder:
      return check(detectAutoencoderParams(mapped(mapAutoencoder(*checkpoint)), configText));
    case ComponentKind::ClipText:
      return check(detectClipTextParams(mapped(mapClipText(*checkpoint)), configText));
    case ComponentKind::T5Encoder:
      return check(detectT5Params(mapped(mapT5Encoder(*checkpoint)), configText));
  }
  return json();
}

// Each golden weights file in a folder of its own beside the config.json a
// user's folder would carry: the case's reference dataclass parameters
// ("flux_params" / "autoencoder_params") under BFL's field names, or the
// HF config as it is. The engine knows nothing of golden cases.
std::vector<fs::path> mirrorAsModelFolders(const std::vector<fs::path>& golden,
                                           const fs::path& root) {
  std::vector<fs::path> mirrored;
  for (size_t i = 0; i < golden.size(); ++i) {
    const fs::path folder = root / std::to_string(i);
    fs::create_directories(folder);
    const fs::path copy = folder / golden[i].filename();
    fs::copy_file(golden[i], copy);
    const json caseConfig = readJson(golden[i].parent_path() / "config.json");
    // A case with both models (the sample) gives both sections' fields;
    // none of the fields the detection reads are shared.
    json config = json::object();
    for (const char* section : {"flux_params", "autoencoder_params"}) {
      if (caseConfig.contains(section)) config.update(caseConfig[section]);
    }
    if (config.empty()) config = caseConfig;
    std::ofstream(folder / "config.json") << config.dump();
    mirrored.push_back(copy);
  }
  return mirrored;
}

TEST(InspectGolden, EveryWeightsFileGivesItsCaseArchitecture) {
  const auto golden = goldenWeightsFiles();
  ASSERT_FALSE(golden.empty()) << "no weights files under " << goldenRoot();
  TempDir dir("inspect-golden");
  const auto files = mirrorAsModelFolders(golden, dir.path());
  // One run of the real binary for all files (it prints a list of reports).
  std::vector<std::string> args{"inspect", "--json"};
  for (const auto& f : files) args.push_back(f.string());
  json reports = inspectJson(args, 0);
  ASSERT_TRUE(reports.is_array());
  ASSERT_EQ(reports.size(), files.size());

  std::set<std::string> componentsSeen;
  for (size_t i = 0; i < files.size(); ++i) {
    const fs::path& file = files[i];
    SCOPED_TRACE(file.string());
    const fs::path configPath = file.parent_path() / "config.json";
    const json config =
        readJson(golden[i].parent_path() / "config.json");  // the case's, with its sections

    // The binary's report.
    const json& report = reports[i];
    EXPECT_EQ(report.value("path", ""), file.string());
    ASSERT_EQ(report["components"].size(), 1u) << report.dump(2);
    const json& c = report["components"][0];
    const std::string component = c.value("component", "");
    EXPECT_EQ(report.value("config", ""), configPath.string());
    bool everyKey = true;
    const json reference = referenceFor(component, config, everyKey);
    ASSERT_TRUE(reference.is_object()) << "config.json has no reference values for " << component;
    ASSERT_TRUE(c.contains("architecture")) << c.dump(2);
    for (const auto& problem : architectureMismatches(c["architecture"], reference, everyKey))
      ADD_FAILURE() << "inspect: " << problem;
    EXPECT_GT(c.value("parameters", int64_t{0}), 0);
    EXPECT_EQ(c.value("naming", ""),
              file.filename().string().find(".diffusers.") != std::string::npos ? "diffusers"
                                                                                : "official");

    // The library.
    std::string libraryComponent;
    const json architecture = libraryArchitecture(file, readTextFile(configPath), libraryComponent);
    EXPECT_EQ(libraryComponent, component);
    for (const auto& problem : architectureMismatches(architecture, reference, everyKey))
      ADD_FAILURE() << "library: " << problem;
    componentsSeen.insert(component);
  }
  // The scan reached every kind of model the golden data holds.
  EXPECT_EQ(componentsSeen, (std::set<std::string>{"transformer", "autoencoder", "clip", "t5"}));
}

TEST(InspectCommand, SnapshotFolderReport) {
  TempDir dir("inspect");
  Expected e = writeSnapshot(dir.path());
  json report = inspectJson({"inspect", dir.path().string(), "--json"}, 0);
  EXPECT_EQ(report["layout"], "hf-snapshot");
  EXPECT_TRUE(report["missing"].empty());
  EXPECT_TRUE(report["problems"].empty()) << report["problems"].dump(2);
  std::map<std::string, json> byName;
  for (const auto& c : report["components"]) byName[c["component"]] = c;
  ASSERT_EQ(byName.size(), 6u);
  const json& flux = byName["transformer"];
  EXPECT_EQ(flux["naming"], "diffusers");
  EXPECT_EQ(flux["files"].size(), 3u);
  EXPECT_EQ(flux["architecture"], toJson(e.flux));
  StateSpec bfl = fluxSpec(e.flux);
  int64_t elements = 0;
  for (const auto& t : bfl)
    elements += std::accumulate(t.shape.begin(), t.shape.end(), int64_t{1}, std::multiplies<>());
  EXPECT_EQ(flux["parameters"], elements);
  EXPECT_EQ(flux["dtypes"], json({{"F32", fluxToDiffusers(bfl, e.flux).size()}}));
  EXPECT_EQ(byName["autoencoder"]["architecture"], toJson(e.ae));
  EXPECT_EQ(byName["clip"]["architecture"], toJson(e.clip));
  EXPECT_EQ(byName["clip"]["ignored"], json({"text_model.embeddings.position_ids"}));
  EXPECT_EQ(byName["t5"]["architecture"], toJson(e.t5));
  EXPECT_EQ(byName["t5"]["files"].size(), 2u);
  EXPECT_EQ(byName["t5_tokenizer"]["path"], (dir / "tokenizer_2").string());

  // The text form names the same things.
  CliRun text = runCli({"inspect", dir.path().string()});
  EXPECT_EQ(text.exitCode, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("layout: hf-snapshot"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("naming: diffusers"), std::string::npos);
  EXPECT_NE(text.out.find("hidden_size=128"), std::string::npos);
  EXPECT_NE(text.out.find("status: ok"), std::string::npos);
}

TEST(InspectCommand, IncompleteFolderSaysWhatIsMissing) {
  TempDir dir("inspect");
  writeSpec(dir / "ae.safetensors", autoencoderSpec(tinyAutoencoderParams()));
  writeSpec(dir / "t5xxl_fp8_e4m3fn.safetensors",
            withDtype(t5Spec(tinyT5Params()), DType::F8_E4M3));
  json report = inspectJson({"inspect", dir.path().string(), "--json"}, 1);
  EXPECT_EQ(report["layout"], "single-files");
  EXPECT_EQ(report["missing"], json({"transformer", "clip", "clip_tokenizer", "t5_tokenizer"}));
  for (const auto& c : report["components"]) {
    if (c["component"] == "t5") {
      EXPECT_EQ(c["dtypes"], json({{"F8_E4M3", t5Spec(tinyT5Params()).size()}}));
      EXPECT_TRUE(c.contains("architecture"));
    }
    if (c["component"] == "transformer") {
      EXPECT_FALSE(c["found"].get<bool>());
      EXPECT_FALSE(c["looked_in"].empty());
    }
  }
  CliRun text = runCli({"inspect", dir.path().string()});
  EXPECT_EQ(text.exitCode, 1);
  EXPECT_NE(text.out.find("transformer: MISSING"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("ae.safetensors (autoencoder)"), std::string::npos) << text.out;
}

TEST(InspectCommand, SingleFilesAndBadPaths) {
  TempDir dir("inspect");
  // A ComfyUI all-in-one file: every component inside is reported.
  writeSpec(dir / "aio.safetensors",
            concat({withPrefix(fluxSpec(tinyFluxParams()), "model.diffusion_model."),
                    withPrefix(autoencoderSpec(tinyAutoencoderParams()), "vae.")}));
  json aio = inspectJson({"inspect", (dir / "aio.safetensors").string(), "--json"}, 0);
  ASSERT_EQ(aio["components"].size(), 2u);
  EXPECT_EQ(aio["components"][0]["component"], "transformer");
  EXPECT_EQ(aio["components"][0]["naming"], "comfy_prefixed");
  EXPECT_EQ(aio["components"][0]["architecture"], toJson(tinyFluxParams()));
  EXPECT_EQ(aio["components"][1]["architecture"], toJson(tinyAutoencoderParams()));

  // Keys of no known model, a corrupt file, a path that does not exist:
  // each report says what is wrong; the exit code says something was.
  writeSpec(dir / "lora.safetensors", {{"lora_unet_x.alpha", {1}, DType::F32}});
  writeFile(dir / "broken.safetensors", "this is not a safetensors file");
  json bad =
      inspectJson({"inspect", (dir / "lora.safetensors").string(),
                   (dir / "broken.safetensors").string(), (dir / "nowhere").string(), "--json"},
                  1);
  ASSERT_EQ(bad.size(), 3u);
  EXPECT_NE(bad[0]["problems"].dump().find("no known component"), std::string::npos)
      << bad[0].dump(2);
  EXPECT_NE(bad[1]["problems"].dump().find("broken.safetensors"), std::string::npos)
      << bad[1].dump(2);
  EXPECT_NE(bad[2]["problems"].dump().find("does not exist"), std::string::npos) << bad[2].dump(2);
  EXPECT_EQ(runCli({"inspect", "--no-such-option"}).exitCode, 2);
}

// Per storage type of a spec: {"type", "tensors", "bytes"}, largest first,
// as inspect --json lists them.
json storageHistogram(const StateSpec& spec) {
  std::map<std::string, std::pair<size_t, uint64_t>> byType;
  for (const auto& t : spec) {
    int64_t n = std::accumulate(t.shape.begin(), t.shape.end(), int64_t{1}, std::multiplies<>());
    auto& [tensors, bytes] = byType[dtypeDisplayName(t.dtype)];
    ++tensors;
    bytes += storageBytes(t.dtype, n).value();
  }
  std::vector<std::pair<std::string, std::pair<size_t, uint64_t>>> ranked(byType.begin(),
                                                                          byType.end());
  std::stable_sort(ranked.begin(), ranked.end(),  // ties stay in name order
                   [](const auto& a, const auto& b) { return a.second.second > b.second.second; });
  json list = json::array();
  for (const auto& [type, tally] : ranked)
    list.push_back({{"type", type}, {"tensors", tally.first}, {"bytes", tally.second}});
  return list;
}

TEST(InspectCommand, GgufFileReport) {
  TempDir dir("inspect");
  const FluxParams p = tinyFluxParams();
  // stable-diffusion.cpp's layout: official names under model.diffusion_model.
  const StateSpec spec =
      withGgufTypes(withPrefix(fluxSpec(p), "model.diffusion_model."), DType::Q8_0);
  const fs::path file = dir / "flux1-schnell-Q8_0.gguf";
  writeGgufSpec(file, spec, "flux");
  json report = inspectJson({"inspect", file.string(), "--json"}, 0);
  EXPECT_TRUE(report["problems"].empty()) << report.dump(2);
  const json& summary = report["file"];
  EXPECT_EQ(summary["format"], "gguf");
  EXPECT_EQ(summary["gguf"]["version"], 3);
  EXPECT_EQ(summary["gguf"]["architecture"], "flux");
  EXPECT_EQ(summary["gguf"]["alignment"], 32);
  EXPECT_EQ(summary["tensors"], spec.size());
  const json histogram = storageHistogram(spec);
  EXPECT_EQ(summary["storage_types"], histogram);
  ASSERT_GE(histogram.size(), 3u);  // q8_0, f16 and f32 in this tiny model
  uint64_t total = 0;
  for (const auto& t : histogram) total += t["bytes"].get<uint64_t>();
  EXPECT_EQ(summary["bytes"], total);
  ASSERT_EQ(report["components"].size(), 1u);
  const json& flux = report["components"][0];
  EXPECT_EQ(flux["component"], "transformer");
  EXPECT_EQ(flux["naming"], "comfy_prefixed");
  EXPECT_EQ(flux["architecture"], toJson(p));

  CliRun text = runCli({"inspect", file.string()});
  EXPECT_EQ(text.exitCode, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("  format: gguf v3 (architecture flux, alignment 32, "),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  stored tensors: " + std::to_string(spec.size()) + " ("),
            std::string::npos)
      << text.out;
  const json& top = histogram[0];
  EXPECT_EQ(top["type"], "q8_0");
  EXPECT_NE(text.out.find("  storage types: q8_0 " + std::to_string(top["tensors"].get<size_t>()) +
                          " tensors "),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find(", f32 "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("status: ok"), std::string::npos) << text.out;

  // A T5 GGUF in llama.cpp's names; safetensors files get the histogram too.
  const StateSpec t5 = withGgufTypes(t5ToLlamaCpp(t5Spec(tinyT5Params())), DType::Q8_0);
  writeGgufSpec(dir / "t5-v1_1-xxl-encoder-Q8_0.gguf", t5, "t5encoder");
  writeSpec(dir / "ae.safetensors", autoencoderSpec(tinyAutoencoderParams()));
  json both = inspectJson({"inspect", (dir / "t5-v1_1-xxl-encoder-Q8_0.gguf").string(),
                           (dir / "ae.safetensors").string(), "--json"},
                          0);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0]["file"]["gguf"]["architecture"], "t5encoder");
  EXPECT_EQ(both[0]["file"]["storage_types"], storageHistogram(t5));
  EXPECT_EQ(both[0]["components"][0]["component"], "t5");
  EXPECT_EQ(both[0]["components"][0]["architecture"], toJson(tinyT5Params()));
  EXPECT_EQ(both[1]["file"]["format"], "safetensors");
  EXPECT_FALSE(both[1]["file"].contains("gguf"));
  EXPECT_EQ(both[1]["file"]["storage_types"],
            storageHistogram(autoencoderSpec(tinyAutoencoderParams())));
  CliRun aeText = runCli({"inspect", (dir / "ae.safetensors").string()});
  EXPECT_NE(aeText.out.find("  format: safetensors\n"), std::string::npos) << aeText.out;
  EXPECT_NE(aeText.out.find("  storage types: f32 "), std::string::npos) << aeText.out;
}

TEST(InspectCommand, FolderWithGgufFilesNotesTheChoice) {
  TempDir dir("inspect");
  Expected e;
  writeGgufSpec(dir / "flux1-schnell-Q8_0.gguf", withGgufTypes(fluxSpec(e.flux), DType::Q8_0),
                "flux");
  writeGgufSpec(dir / "t5-v1_1-xxl-encoder-Q8_0.gguf",
                withGgufTypes(t5ToLlamaCpp(t5Spec(e.t5)), DType::Q8_0), "t5encoder");
  writeSpec(dir / "t5xxl_fp16.safetensors", withDtype(t5Spec(e.t5), DType::F16));
  writeSpec(dir / "ae.safetensors", autoencoderSpec(e.ae));
  writeSpec(dir / "clip_l.safetensors", clipSpec(e.clip));
  writeClipTokenizer(dir / "tokenizer");
  writeT5Tokenizer(dir / "tokenizer_2");
  json report = inspectJson({"inspect", dir.path().string(), "--json"}, 0);
  EXPECT_TRUE(report["problems"].empty()) << report.dump(2);
  std::map<std::string, json> byName;
  for (const auto& c : report["components"]) byName[c["component"]] = c;
  EXPECT_EQ(byName["transformer"]["format"], "gguf");
  EXPECT_EQ(byName["transformer"]["gguf"]["architecture"], "flux");
  EXPECT_EQ(byName["transformer"]["architecture"], toJson(e.flux));
  EXPECT_EQ(byName["t5"]["path"], (dir / "t5xxl_fp16.safetensors").string());
  EXPECT_EQ(byName["t5"]["format"], "safetensors");
  EXPECT_NE(byName["t5"]["notes"].dump().find("t5-v1_1-xxl-encoder-Q8_0.gguf also holds the t5"),
            std::string::npos)
      << byName["t5"].dump(2);
  CliRun text = runCli({"inspect", dir.path().string()});
  EXPECT_EQ(text.exitCode, 0) << text.out << text.err;
  EXPECT_NE(
      text.out.find("  note: using t5xxl_fp16.safetensors (safetensors is preferred over GGUF)"),
      std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("  format: gguf v3 (architecture flux"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace fd::test
