// Folders of PNG/JPEG/... images, read with OpenCV in file-name order: the files of the folder, or,
// when it has none, those of its subfolders, each subfolder a class (label = its place in name order).
#include <algorithm>
#include <filesystem>

#include "data/Dataset.h"
#include "data/ImageIo.h"

namespace flowpp {

namespace fs = std::filesystem;

namespace {
bool isImageFile(const fs::path& p) {
  auto ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".pgm" || ext == ".ppm" ||
         ext == ".tif" || ext == ".tiff" || ext == ".webp";
}

struct Listing {
  std::vector<std::string> files;
  std::vector<int64_t> labels;      // per file, when the folder has class subfolders
  std::vector<std::string> classes;
  int skipped = 0;                  // files that are not images
  int ignoredFolders = 0;           // subfolders left out because the folder has images of its own
};

std::vector<fs::path> sortedEntries(const fs::path& dir) {
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  return entries;
}

Listing list(const std::string& path) {
  Listing l;
  std::vector<fs::path> subfolders;
  for (const auto& p : sortedEntries(path)) {
    if (fs::is_directory(p)) subfolders.push_back(p);
    else if (isImageFile(p)) l.files.push_back(p.string());
    else ++l.skipped;
  }
  if (!l.files.empty()) {
    l.ignoredFolders = int(subfolders.size());
    return l;
  }
  for (const auto& sub : subfolders) {
    bool any = false;
    for (const auto& p : sortedEntries(sub)) {
      if (fs::is_directory(p) || !isImageFile(p)) {
        l.skipped += !fs::is_directory(p);
        continue;
      }
      l.files.push_back(p.string());
      l.labels.push_back(int64_t(l.classes.size()));
      any = true;
    }
    if (any) l.classes.push_back(sub.filename().string());
  }
  return l;
}

std::string shapeText(const torch::Tensor& image) {
  return std::to_string(image.size(2)) + "x" + std::to_string(image.size(1)) + (image.size(0) == 3 ? " colour" : " grey");
}
}  // namespace

ImageDataset readImageFolder(const std::string& path, const DataOptions& o) {
  if (!fs::is_directory(path)) throw DataError(path + ": not a folder");
  auto l = list(path);
  if (l.files.empty())
    throw DataError(path + ": has no image files (PNG, JPEG, BMP, PGM/PPM, TIFF, WebP), neither in it nor in subfolders");
  if (o.limit > 0 && static_cast<int64_t>(l.files.size()) > o.limit) {
    l.files.resize(size_t(o.limit));
    if (!l.labels.empty()) l.labels.resize(size_t(o.limit));
  }
  std::vector<torch::Tensor> images;
  int64_t converted = 0;
  std::string firstConversion;
  for (const auto& f : l.files) {
    auto img = readImage(f, o.resize ? o.shape : std::nullopt);
    const auto& t = img.image;
    if (o.shape && !o.resize && (t.size(0) != o.shape->channels || t.size(1) != o.shape->height || t.size(2) != o.shape->width))
      throw DataError(f + ": the image is " + shapeText(t) + ", the model takes " + std::to_string(o.shape->width) + "x" +
                      std::to_string(o.shape->height) + (o.shape->channels == 3 ? " colour" : " grey") +
                      " images; convert the data, or pass --resize to scale and convert them on reading");
    if (!images.empty() && t.sizes() != images.front().sizes())
      throw DataError(f + ": the image is " + shapeText(t) + " but the folder's first image is " + shapeText(images.front()) +
                      "; a data set's images must have one size");
    if (!img.conversion.empty() && converted++ == 0) firstConversion = img.conversion;
    images.push_back(t);
  }
  ImageDataset data{torch::stack(images), path, "images", l.labels, l.classes, "", {}};
  for (const auto& f : l.files) data.names.push_back(fs::relative(f, path).generic_string());
  if (converted > 0)
    data.note = std::to_string(converted) + " of " + std::to_string(images.size()) + " images " + firstConversion +
                (converted > 1 ? " (and likewise)" : "");
  if (l.skipped > 0)
    data.note += (data.note.empty() ? "" : "; ") + std::to_string(l.skipped) + " file(s) that are not images skipped";
  if (l.ignoredFolders > 0)
    data.note += (data.note.empty() ? "" : "; ") + std::to_string(l.ignoredFolders) +
                 " subfolder(s) not read: a folder with images of its own is one class, subfolders are read only when it has none";
  return data;
}

}  // namespace flowpp
