#include "hub/hub_hash.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace fd::hub {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  reset();
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->ctx); }

void Sha256::reset() { EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr); }

void Sha256::update(const void* data, size_t size) {
  if (size) EVP_DigestUpdate(state_->ctx, data, size);
}

std::string Sha256::hexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->ctx, digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  reset();
  return out;
}

Status hashFilePrefix(const std::string& path, uint64_t bytes, Sha256& hash) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorKind::Io, "cannot read " + path + ": " + std::strerror(errno));
  std::vector<char> buffer(1 << 20);
  while (bytes > 0) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(bytes, buffer.size()));
    in.read(buffer.data(), static_cast<std::streamsize>(want));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0)
      return makeError(ErrorKind::Io, "cannot read " + path + " (shorter than expected)");
    hash.update(buffer.data(), got);
    bytes -= got;
  }
  return Status::success();
}

}  // namespace fd::hub
