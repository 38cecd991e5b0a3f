#pragma once
// The table of functions the sentencepiece shim (libfluxdesk_spm.so) hands
// to fluxdesk_base. Why a shim at all: Debian's libsentencepiece bundles
// protobuf-lite 3.14 under the same symbol names as the libprotobuf 3.21
// that LibTorch loads, and in one symbol scope the two interpose each other
// (a crash during start-up, or protobuf's version check aborting). The shim
// is the only code linked to sentencepiece; it is loaded with RTLD_LOCAL |
// RTLD_DEEPBIND (text/sentencepiece_library.cpp), so sentencepiece binds
// to its own protobuf and LibTorch to its own.
//
// std:: types cross the boundary: both sides use the process's one
// libstdc++. Bump kFdSpmApiVersion on any change to this struct.

#include <string>
#include <vector>

inline constexpr int kFdSpmApiVersion = 1;

struct FdSpmApi {
  int version;
  // A SentencePieceProcessor; every call that can fail returns false and
  // writes the reason to *error.
  void* (*create)();
  void (*destroy)(void* processor);
  bool (*loadFile)(void* processor, const std::string& path, std::string* error);
  bool (*loadSerialized)(void* processor, const std::string& bytes, std::string* error);
  int (*pieceSize)(const void* processor);
  int (*eosId)(const void* processor);
  int (*padId)(const void* processor);
  int (*unkId)(const void* processor);
  int (*bosId)(const void* processor);
  std::string (*idToPiece)(const void* processor, int id);
  bool (*encode)(const void* processor, const std::string& text, std::vector<int>* ids,
                 std::string* error);
  // SentencePieceTrainer::Train(args) over `lines`, with the random seed set
  // and the trainer's log quiet; the serialized model goes to *model.
  bool (*train)(const std::string& args, const std::vector<std::string>& lines, unsigned seed,
                std::string* model, std::string* error);
};

// The one exported symbol of the shim.
extern "C" const FdSpmApi* fd_spm_api();
