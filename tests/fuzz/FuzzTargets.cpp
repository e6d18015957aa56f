#include "FuzzTargets.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "codec/AnsStack.h"
#include "codec/ArchiveFile.h"
#include "codec/Compressor.h"
#include "data/Dataset.h"
#include "data/ImageIo.h"
#include "explore/LatentFile.h"
#include "model/Checkpoint.h"
#include "model/Footprint.h"
#include "train/MetricsLog.h"

namespace flowpp::fuzz {

namespace fs = std::filesystem;

const std::vector<Target>& allTargets() {
  static const std::vector<Target> all = {Target::Idx, Target::Cifar, Target::Image, Target::ImageFolder,
                                          Target::Config, Target::Checkpoint, Target::Latents, Target::Metrics,
                                          Target::Archive};
  return all;
}

std::string nameOf(Target t) {
  switch (t) {
    case Target::Idx: return "idx";
    case Target::Cifar: return "cifar";
    case Target::Image: return "image";
    case Target::ImageFolder: return "image_folder";
    case Target::Config: return "config";
    case Target::Checkpoint: return "checkpoint";
    case Target::Latents: return "latents";
    case Target::Metrics: return "metrics";
    case Target::Archive: return "archive";
  }
  return "?";
}

namespace {
// An image folder from one input: the bytes split at their first "|" into two files.
void readFolder(const std::string& bytes) {
  static const fs::path dir = fs::temp_directory_path() / ("flowpp-fuzz-folder-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(dir)) fs::remove(e.path());
  const auto cut = bytes.find('|');
  std::ofstream(dir / "a.png", std::ios::binary) << bytes.substr(0, cut);
  if (cut != std::string::npos) std::ofstream(dir / "b.png", std::ios::binary) << bytes.substr(cut + 1);
  readImageFolder(dir.string(), DataOptions{});
}

// A .fppz file: parsed and checked, then its streams opened (the flow's) or decoded (a classical
// codec's, in a one-image file).
void readArchive(const std::string& bytes) {
  const auto a = codec::parseArchive(bytes, "fuzz.fppz");
  if (a.header.payload != codec::ArchivePayload::Flow) {
    codec::decodeClassicalPayload(a, "fuzz.fppz");
    return;
  }
  for (const auto& s : a.streams) {
    try {
      codec::AnsStack::fromBytes(s.bytes);
    } catch (const std::invalid_argument& e) {
      throw codec::ArchiveError(e.what());
    }
  }
}

void readCheckpointAndModel(const std::string& bytes) {
  auto ck = checkpointFromBytes(bytes, "fuzz.fpp");
  auto model = buildModel(ck.config, 0);  // a config that reads back must also build
  loadState(*model, ck.weights, "fuzz.fpp");
}
}  // namespace

Outcome runTarget(Target t, const std::string& bytes) {
  try {
    switch (t) {
      case Target::Idx: readIdxBytes(bytes, "fuzz.idx"); break;
      case Target::Cifar: readCifarBytes(bytes, "fuzz.bin"); break;
      case Target::Image: decodeImage(bytes, "fuzz.png", ImageShape{1, 28, 28}); break;
      case Target::ImageFolder: readFolder(bytes); break;
      case Target::Config: ModelConfig::fromText(bytes, "fuzz.json"); break;
      case Target::Checkpoint: readCheckpointAndModel(bytes); break;
      case Target::Latents: latentsFromBytes(bytes, "fuzz.lat"); break;
      case Target::Archive: readArchive(bytes); break;
      case Target::Metrics: {
        MetricsLog log;
        std::istringstream in(bytes);
        std::string line;
        while (std::getline(in, line)) log.addLine(line);
        log.finalTest(), log.bestTest();
        break;
      }
    }
  } catch (const DataError&) {
    return Outcome::Refused;
  } catch (const ConfigError&) {
    return Outcome::Refused;
  } catch (const CheckpointError&) {
    return Outcome::Refused;
  } catch (const ResourceError&) {
    return Outcome::Refused;
  } catch (const codec::ArchiveError&) {
    return Outcome::Refused;
  }
  return Outcome::Read;
}

}  // namespace flowpp::fuzz
