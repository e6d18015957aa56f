// flowpp compress / decompress: lossless image files coded with a Flow++ model (core/codec).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "Common.h"
#include "codec/Compressor.h"
#include "codec/ModelFingerprint.h"
#include "data/ImageIo.h"
#include "util/AtomicFile.h"

namespace flowpp::cli {

namespace fs = std::filesystem;

namespace {

// The images to compress and their names: --data (any data set) or image files and folders.
struct Inputs {
  torch::Tensor images;  // uint8 [N, C, H, W]
  std::vector<std::string> names;
};

Inputs readInputs(const std::vector<std::string>& paths, const std::string& data, int64_t limit, const ModelConfig& config, bool resize) {
  Inputs in;
  if (!data.empty()) {
    auto d = openData(data, limit, config, DataRole::Test, resize);
    in.images = d.images;
    in.names = d.names;
    return in;
  }
  std::vector<torch::Tensor> images;
  for (const auto& p : paths) {
    if (!fs::exists(p)) throw DataError(p + ": no such file or folder");
    if (fs::is_directory(p)) {
      auto d = openData(p, 0, config, DataRole::Test, resize);
      images.push_back(d.images);
      for (const auto& n : d.names) in.names.push_back(paths.size() > 1 ? (fs::path(p).filename() / n).generic_string() : n);
      continue;
    }
    auto image = readImage(p, resize ? std::optional<ImageShape>(ImageShape{config.channels, config.height, config.width}) : std::nullopt);
    const auto& t = image.image;
    if (t.size(0) != config.channels || t.size(1) != config.height || t.size(2) != config.width)
      throw DataError(p + ": the image is " + std::to_string(t.size(0)) + "x" + std::to_string(t.size(1)) + "x" + std::to_string(t.size(2)) +
                      " (CxHxW), the model codes " + std::to_string(config.channels) + "x" + std::to_string(config.height) + "x" +
                      std::to_string(config.width) + " images (--resize converts them, but then the file holds the converted image)");
    if (!image.conversion.empty()) std::cerr << "note: " << p << ": " << image.conversion << "\n";
    images.push_back(t.unsqueeze(0));
    in.names.push_back(fs::path(p).filename().string());
  }
  if (images.empty()) throw UsageError("nothing to compress: give image files, a folder, or --data");
  in.images = torch::cat(images);
  if (limit > 0 && in.images.size(0) > limit) {
    in.images = in.images.narrow(0, 0, limit);
    in.names.resize(size_t(limit));
  }
  return in;
}

// 8-bit pixels to the model's n-bit values; refuses images whose low bits a smaller model would drop.
torch::Tensor toModelBits(const torch::Tensor& images8, int nBits) {
  const int64_t step = int64_t(1) << (8 - nBits);
  const auto values = images8.to(torch::kLong);
  if (step > 1 && (values % step).ne(0).any().item<bool>())
    throw DataError("the model codes " + std::to_string(nBits) + "-bit images, and these 8-bit images have values between its levels: "
                    "they would not come back exactly");
  return values.div(step, "floor");
}

// A name from a file may not leave the output folder.
std::string safeRelativeName(const std::string& name, int64_t index) {
  const fs::path p(name);
  bool ok = !name.empty() && p.is_relative();
  for (const auto& part : p) ok = ok && part != ".." && part != ".";
  if (!ok) throw std::runtime_error("image " + std::to_string(index) + " has the name '" + name + "', which would leave the output folder");
  return name;
}

std::string defaultName(int64_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "%05lld.png", static_cast<long long>(index));
  return name;
}

// Writes every image into a new folder: first into a temporary folder beside it, renamed into place
// when all are written, so that the folder appears whole or not at all.
void writeFolder(const std::string& out, const torch::Tensor& images, const std::vector<std::string>& names) {
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw UsageError("--out " + out + ": exists and is not an empty folder; name a new folder");
  const fs::path temp = fs::path(out).string() + ".tmp." + std::to_string(::getpid());
  fs::remove_all(temp);
  try {
    fs::create_directories(temp);
    for (int64_t i = 0; i < images.size(0); ++i) {
      const auto name = names.empty() ? defaultName(i) : safeRelativeName(names[size_t(i)], i);
      fs::path target = temp / name;
      if (target.extension() != ".png") target += ".png";  // the pixels, losslessly, whatever the original format
      fs::create_directories(target.parent_path());
      writePng(target.string(), images[i]);
    }
    if (fs::exists(out)) fs::remove(out);  // the empty folder
    fs::rename(temp, out);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw;
  }
}

std::string defaultArchivePath(const std::vector<std::string>& inputs) {
  if (inputs.size() == 1 && !fs::is_directory(inputs[0])) return fs::path(inputs[0]).stem().string() + ".fppz";
  return {};
}

std::string fileNameFor(const std::vector<std::string>& names, int64_t i) {
  const auto name = names.empty() ? defaultName(i) : safeRelativeName(names[size_t(i)], i);
  return fs::path(name).replace_extension(".fppz").string();
}

nlohmann::json classicalJson(const codec::CompressResult& r) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& c : r.classical) j[c.name] = 8.0 * double(c.bytes) / double(r.dims);
  return j;
}

// --each: one one-image file per image in a new folder, written whole or not at all; the summary
// gives the mean bits/dim of the files and of each codec they could have held.
nlohmann::json compressEach(FlowPlusPlus& model, const torch::Tensor& values, const std::vector<std::string>& names,
                            const codec::CompressOptions& base, const std::string& out, Progress& bar) {
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw UsageError("--out " + out + ": exists and is not an empty folder; name a new folder for --each");
  const fs::path temp = fs::path(out).string() + ".tmp." + std::to_string(::getpid());
  fs::remove_all(temp);
  double bits = 0, flowBits = 0, seconds = 0;
  std::map<std::string, double> classicalBits;
  std::map<std::string, int64_t> codedWith;
  const int64_t n = values.size(0);
  try {
    for (int64_t i = 0; i < n; ++i) {
      auto o = base;
      o.progress = nullptr;
      o.names = names.empty() ? std::vector<std::string>{} : std::vector<std::string>{names[size_t(i)]};
      const auto r = codec::compressImages(model, values.narrow(0, i, 1), o);
      const fs::path target = temp / fileNameFor(names, i);
      fs::create_directories(target.parent_path());
      writeFileAtomically(target.string(), r.file);
      bits += r.bitsPerDim, flowBits += r.flowBitsPerDim, seconds += r.encodeSeconds;
      for (const auto& c : r.classical) classicalBits[c.name] += 8.0 * double(c.bytes) / double(r.dims);
      ++codedWith[r.codedWith];
      bar.update(i + 1, "one file each");
      if (interrupted()) throw InterruptedError("compression stopped; nothing was written");
    }
    if (fs::exists(out)) fs::remove(out);
    fs::rename(temp, out);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw;
  }
  nlohmann::json classical = nlohmann::json::object();
  for (const auto& [name, b] : classicalBits) classical[name] = b / double(n);
  return {{"out", out}, {"files", n}, {"mean_bpd", bits / double(n)}, {"mean_flow_bpd", flowBits / double(n)},
          {"mean_classical_bpd", classical}, {"coded_with", codedWith}, {"encode_seconds", seconds}};
}

}  // namespace

void addCompress(CLI::App& app) {
  auto* cmd = app.add_subcommand("compress", "Lossless compression of images with a model (bits-back coding: bits/dim become bytes)");
  struct Args {
    std::string model, data, out;
    std::vector<std::string> inputs;
    int64_t limit = 0;
    int streams = 0, threads = 0, maxBatch = 64;
    bool noVerify = false, noBound = false, resize = false, each = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--model", a->model, "Checkpoint or run folder (the same model decompresses)")->required();
  cmd->add_option("inputs", a->inputs, "Image files or folders (names are kept)");
  cmd->add_option("--data", a->data, "A data set instead (IDX, CIFAR-10, image folder)");
  cmd->add_option("--limit", a->limit, "Only the first N images (0: all)")->check(integerIn(0, 4294967295LL));
  cmd->add_option("--out,-o", a->out, "The .fppz file to write (default for one image: NAME.fppz here)");
  cmd->add_option("--streams", a->streams, "Independent coded streams, decoded in parallel (0: one per thread, at most one per 200 images; each costs its initial bits)")
      ->check(integerIn(0, 65535));
  cmd->add_option("--threads", a->threads, "Threads (0: all cores); the file does not depend on it")->check(integerIn(0, 1024));
  cmd->add_option("--max-batch", a->maxBatch, "The largest batch of the coding schedule")->default_val(64)->check(integerIn(1, 65535));
  cmd->add_flag("--no-verify", a->noVerify, "Skip decoding the file to check it before reporting success");
  cmd->add_flag("--no-bound", a->noBound, "Skip the model's bound on the same images (one forward pass)");
  cmd->add_flag("--each", a->each, "One .fppz file per image, in the new folder --out (each the smaller of the flow's code and a classical codec's)");
  addResizeFlag(cmd, a->resize);
  cmd->callback([a] {
    if (a->data.empty() && a->inputs.empty()) throw UsageError("nothing to compress: give image files or folders, or --data");
    if (!a->data.empty() && !a->inputs.empty()) throw UsageError("give image files or folders, or --data, but not both");
    if (a->out.empty()) a->out = defaultArchivePath(a->inputs);
    if (a->out.empty()) throw UsageError("--out: name the .fppz file to write");
    if (!a->each && fs::exists(a->out)) throw UsageError("--out " + a->out + ": exists; name a new file (nothing is overwritten)");
    auto loaded = openModel(a->model, 0, "cpu");
    if (loaded.fresh) throw UsageError("--model " + a->model + ": a config has no trained weights to compress with; give a checkpoint");
    auto& model = loaded.model;
    model->to(torch::kFloat);
    const auto in = readInputs(a->inputs, a->data, a->limit, model->config(), a->resize);
    const auto values = toModelBits(in.images, model->config().nBits);
    installInterruptHandler();
    Progress bar("compress", values.size(0));
    codec::CompressOptions o;
    o.streams = a->streams, o.threads = a->threads, o.maxBatch = a->maxBatch, o.verify = !a->noVerify, o.modelBound = !a->noBound;
    o.names = in.names;
    o.progress = [&](const codec::CodingProgress& p) {
      bar.update(p.done, p.stage);
      return !interrupted();
    };
    if (a->each) {
      o.modelBound = false;
      auto j = compressEach(model, values, in.names, o, a->out, bar);
      bar.finish();
      j["model"] = loaded.path;
      printJson(j);
      return;
    }
    auto r = codec::compressImages(model, values, o);
    bar.finish();
    if (r.cancelled) throw InterruptedError("compression stopped; nothing was written");
    writeFileAtomically(a->out, r.file);
    nlohmann::json j = {{"file", a->out}, {"bytes", r.file.size()}, {"images", r.images}, {"bpd", r.bitsPerDim},
                        {"initial_bits_bpd", r.initialBitsPerDim}, {"streams", r.streams}, {"encode_seconds", r.encodeSeconds},
                        {"encode_images_per_s", double(r.images) / r.encodeSeconds}, {"verified", r.verified},
                        {"model", loaded.path}, {"model_fingerprint", codec::fingerprintText(codec::modelFingerprint(model))}};
    if (r.verified) j["decode_images_per_s"] = double(r.images) / r.verifySeconds;
    if (r.images == 1) {
      j["coded_with"] = r.codedWith;
      j["flow_bpd"] = r.flowBitsPerDim;
      j["classical_bpd"] = classicalJson(r);
    }
    if (!a->noBound) j["model_bound_bpd"] = r.boundBitsPerDim;
    printJson(j);
  });
}

void addDecompress(CLI::App& app) {
  auto* cmd = app.add_subcommand("decompress", "Restore the images of a .fppz file exactly (PNG files in a folder, or an IDX file)");
  struct Args {
    std::string file, model, out;
    int threads = 0;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("file", a->file, "The .fppz file")->required();
  cmd->add_option("--model", a->model, "The model it was compressed with")->required();
  cmd->add_option("--out,-o", a->out, "A new folder for PNG files (the stored names), FILE.idx for grey images, or FILE.png for a one-image file")->required();
  cmd->add_option("--threads", a->threads, "Threads (0: all cores)")->check(integerIn(0, 1024));
  cmd->callback([a] {
    const bool idx = fs::path(a->out).extension() == ".idx", png = fs::path(a->out).extension() == ".png";
    if ((idx || png) && fs::exists(a->out)) throw UsageError("--out " + a->out + ": exists; name a new file (nothing is overwritten)");
    const auto bytes = [&] {
      try {
        return readFile(a->file, int64_t(1) << 34);
      } catch (const std::runtime_error& e) {
        throw DataError(e.what());
      }
    }();
    auto loaded = openModel(a->model, 0, "cpu");
    auto& model = loaded.model;
    model->to(torch::kFloat);
    installInterruptHandler();
    std::optional<Progress> bar;  // its total comes with the first report
    codec::DecompressOptions o;
    o.threads = a->threads;
    o.progress = [&](const codec::CodingProgress& p) {
      if (!bar) bar.emplace("decompress", p.total);
      bar->update(p.done, p.stage);
      return !interrupted();
    };
    codec::DecompressResult r;
    try {
      r = codec::decompressArchive(model, bytes, a->file, o);
    } catch (const codec::ArchiveError& e) {
      throw DataError(e.what());
    }
    if (bar) bar->finish();
    if (r.cancelled) throw InterruptedError("decompression stopped; nothing was written");
    if (!r.note.empty()) std::cerr << "note: " << a->file << ": " << r.note << " (the checksums matched)\n";
    const auto images8 = (r.images.to(torch::kLong) * (int64_t(1) << (8 - r.header.nBits))).to(torch::kUInt8);
    if (idx) {
      if (images8.size(1) != 1) throw UsageError("--out " + a->out + ": IDX files hold grey images and these are colour; name a folder");
      writeFileAtomically(a->out, encodeIdx(images8));
    } else if (png) {
      if (images8.size(0) != 1) throw UsageError("--out " + a->out + ": the file holds " + std::to_string(images8.size(0)) + " images; name a folder");
      writePng(a->out, images8[0]);
    } else {
      writeFolder(a->out, images8, r.names);
    }
    printJson({{"out", a->out}, {"images", images8.size(0)}, {"seconds", r.seconds},
               {"decode_images_per_s", double(images8.size(0)) / r.seconds}, {"note", r.note}});
  });
}

}  // namespace flowpp::cli
