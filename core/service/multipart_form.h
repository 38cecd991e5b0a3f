#pragma once
// multipart/form-data bodies (RFC 7578), as OpenAI's SDKs send
// /v1/images/edits: strict, bounded, never throws. Qt-free.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fd::http {

struct FormPart {
  std::string name;         // Content-Disposition name="..."
  std::string filename;     // filename="..." (files only)
  bool isFile = false;      // a filename parameter was present
  std::string contentType;  // the part's Content-Type, "" when absent
  std::string data;
};

struct FormLimits {
  size_t maxParts = 64;
  size_t maxPartHeaderBytes = 8 * 1024;
};

struct ParsedForm {
  std::vector<FormPart> parts;
  std::string error;  // why the body is not a valid form (then parts is empty)
  bool ok() const { return error.empty(); }
  // The first part named `name`, or null.
  const FormPart* find(const std::string& name) const;
  // Every part named `name`.
  std::vector<const FormPart*> all(const std::string& name) const;
};

// The boundary parameter of a multipart/form-data Content-Type, or nothing.
std::optional<std::string> formBoundary(const std::string& contentType);

ParsedForm parseMultipartForm(std::string_view body, const std::string& boundary,
                              const FormLimits& limits = {});

}  // namespace fd::http
