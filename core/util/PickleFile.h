#pragma once
// Reading the zip archives that torch::pickle_save writes (checkpoints, latent files), safely.
// LibTorch's reader trusts the archive: its bundled miniz skips the CRC-32 check, so one flipped
// byte in the pickle can make the unpickler allocate tens of GiB before it fails. We first walk
// the zip's central directory and check every record's CRC-32 against its bytes, and only then
// unpickle. Zip64 archives (over 4 GiB, which no Flow++ model in this product reaches) are refused.
#include <string>

#include <torch/torch.h>

namespace flowpp {

// Throws std::runtime_error naming what is wrong (truncated, not a zip, a damaged record).
void verifyZipRecords(const std::string& bytes);

// verifyZipRecords, then torch::pickle_load. Throws std::runtime_error or c10::Error.
c10::IValue loadPickle(const std::string& bytes);

}  // namespace flowpp
