#include "weights/safetensors_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

namespace fd {

namespace {

Error badRequest(const std::string& path, const std::string& problem, const std::string& name) {
  return makeError(ErrorKind::BadRequest, path + ": " + problem + " (tensor '" + name + "')");
}

Error ioError(const std::string& path, const std::string& what, int err) {
  return makeError(ErrorKind::Io, path + ": " + what + " (" + std::strerror(err) + ")");
}

Status validateTensors(const std::string& path, const std::vector<TensorToWrite>& tensors) {
  std::set<std::string> names;
  for (const auto& t : tensors) {
    if (t.name.empty() || t.name == "__metadata__")
      return badRequest(path, "invalid tensor name", t.name);
    if (!names.insert(t.name).second) return badRequest(path, "duplicate tensor name", t.name);
    uint64_t bytes = dtypeSize(t.dtype);
    for (int64_t dim : t.shape) {
      if (dim < 0) return badRequest(path, "negative dimension in shape", t.name);
      if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes))
        return badRequest(path, "shape is too large", t.name);
    }
    if (bytes != t.byteCount())
      return badRequest(path, "has " + std::to_string(t.byteCount()) + " bytes but its shape and " +
                                  safetensorsName(t.dtype) + " need " + std::to_string(bytes),
                        t.name);
  }
  return Status::success();
}

// The 8-byte length and the JSON header, padded with spaces so that the
// data section starts 8-byte aligned (as the reference writer does).
std::string buildHeader(const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [key, value] : metadata) meta[key] = value;
    json["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    nlohmann::ordered_json entry;
    entry["dtype"] = safetensorsName(t.dtype);
    entry["shape"] = t.shape;
    entry["data_offsets"] = {offset, offset + t.byteCount()};
    offset += t.byteCount();
    json[t.name] = std::move(entry);
  }
  std::string text = json.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
  return out + text;
}

bool writeAll(int fd, const uint8_t* bytes, size_t count) {
  while (count > 0) {
    ssize_t written = ::write(fd, bytes, count);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes += written;
    count -= static_cast<size_t>(written);
  }
  return true;
}

// Creates `path`.tmp-XXXXXX exclusively (mode 0666 minus the umask, like
// any other file the user saves). Returns the descriptor or -1 with errno.
int createTempBeside(const std::string& path, std::string& tempPath) {
  std::random_device device;
  std::mt19937 random(device());
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 16; ++attempt) {
    tempPath = path + ".tmp-";
    for (int i = 0; i < 6; ++i) tempPath += kAlphabet[random() % (sizeof(kAlphabet) - 1)];
    int fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

}  // namespace

Status writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  Status valid = validateTensors(path, tensors);
  if (!valid.ok()) return valid;
  const std::string header = buildHeader(tensors, metadata);

  std::string tempPath;
  int fd = createTempBeside(path, tempPath);
  if (fd < 0) return ioError(path, "cannot create file", errno);
  bool ok = writeAll(fd, reinterpret_cast<const uint8_t*>(header.data()), header.size());
  for (size_t i = 0; ok && i < tensors.size(); ++i)
    ok = writeAll(fd, tensors[i].begin(), tensors[i].byteCount());
  // fsync before rename: after a crash the name points at complete data.
  if (ok && ::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) ok = false;
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(tempPath.c_str());
    return ioError(path, "cannot write file", err);
  }
  if (::rename(tempPath.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tempPath.c_str());
    return ioError(path, "cannot move the finished file into place", err);
  }
  return Status::success();
}

}  // namespace fd
