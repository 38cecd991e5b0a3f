#pragma once
// SentencePiece for the rest of FluxDesk, through the shim library
// libfluxdesk_spm.so (core/spm_shim/spm_api.h explains why sentencepiece
// must not share a symbol scope with LibTorch). Nothing outside the shim
// includes sentencepiece headers or links libsentencepiece. Torch-free.
//
// The shim is found at $FLUXDESK_SPM_SHIM, then where the build put it,
// then beside the executable (and in ../lib); a missing shim is an Internal
// error that says where it looked.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

struct FdSpmApi;

namespace fd {

class SentencePieceModel {
 public:
  // ModelInvalid with sentencepiece's reason when the bytes are no model.
  static Result<std::shared_ptr<const SentencePieceModel>> fromFile(const std::string& path);
  static Result<std::shared_ptr<const SentencePieceModel>> fromSerialized(const std::string& bytes);
  ~SentencePieceModel();
  SentencePieceModel(const SentencePieceModel&) = delete;
  SentencePieceModel& operator=(const SentencePieceModel&) = delete;

  int pieceSize() const;
  int eosId() const;  // -1 when the model has none
  int padId() const;
  int unkId() const;
  int bosId() const;
  std::string idToPiece(int id) const;
  // sentencepiece's Encode (the model's own normalizer); thread-safe.
  Status encode(std::string_view text, std::vector<int>& ids) const;

 private:
  SentencePieceModel(const FdSpmApi* api, void* processor) : api_(api), processor_(processor) {}
  static Result<std::shared_ptr<const SentencePieceModel>> create(const std::string& source,
                                                                  bool isPath);

  const FdSpmApi* api_;
  void* processor_;
};

// SentencePieceTrainer::Train with command-line style `args` (no --input:
// the sentences are `lines`), a fixed random seed and a quiet log; returns
// the serialized model (spiece.model bytes).
Result<std::string> trainSentencePiece(const std::string& args,
                                       const std::vector<std::string>& lines, unsigned seed);

}  // namespace fd
