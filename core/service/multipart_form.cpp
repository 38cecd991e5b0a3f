#include "service/multipart_form.h"

#include "service/http_syntax.h"

namespace fd::http {

namespace {

// A parameter of a header value such as `form-data; name="image"; filename="a.png"`.
// Quoted values may hold escaped quotes (\"), as browsers and Python send them.
std::optional<std::string> parameter(const std::string& value, const std::string& wanted) {
  size_t i = value.find(';');
  while (i != std::string::npos && i < value.size()) {
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    const size_t eq = value.find('=', i);
    if (eq == std::string::npos) return std::nullopt;
    const std::string key = lower(trimOws(value.substr(i, eq - i)));
    size_t j = eq + 1;
    std::string text;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        text += value[j++];
      }
      if (j >= value.size()) return std::nullopt;  // unterminated quote
      ++j;
    } else {
      const size_t end = value.find(';', j);
      text = trimOws(value.substr(j, end == std::string::npos ? std::string::npos : end - j));
      j = end == std::string::npos ? value.size() : end;
    }
    if (key == wanted) return text;
    i = value.find(';', j);
  }
  return std::nullopt;
}

bool boundaryCharsOk(const std::string& boundary) {
  if (boundary.empty() || boundary.size() > 70 || boundary.back() == ' ') return false;
  for (unsigned char c : boundary) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

const FormPart* ParsedForm::find(const std::string& name) const {
  for (const FormPart& part : parts) {
    if (part.name == name) return &part;
  }
  return nullptr;
}

std::vector<const FormPart*> ParsedForm::all(const std::string& name) const {
  std::vector<const FormPart*> found;
  for (const FormPart& part : parts) {
    if (part.name == name) found.push_back(&part);
  }
  return found;
}

std::optional<std::string> formBoundary(const std::string& contentType) {
  if (mediaType(contentType) != "multipart/form-data") return std::nullopt;
  auto boundary = parameter(contentType, "boundary");
  if (!boundary || !boundaryCharsOk(*boundary)) return std::nullopt;
  return boundary;
}

ParsedForm parseMultipartForm(std::string_view body, const std::string& boundary,
                              const FormLimits& limits) {
  ParsedForm form;
  auto fail = [&form](std::string why) {
    form.parts.clear();
    form.error = std::move(why);
    return form;
  };
  const std::string delimiter = "--" + boundary;
  // The preamble (usually empty) ends at the first delimiter line.
  size_t at = body.find(delimiter);
  if (at == std::string_view::npos || (at != 0 && (at < 2 || body.substr(at - 2, 2) != "\r\n")))
    return fail("the body does not start with the form's boundary");
  at += delimiter.size();
  while (true) {
    if (body.substr(at, 2) == "--") return form;  // the closing delimiter; the epilogue is ignored
    if (body.substr(at, 2) != "\r\n") return fail("a boundary line is not followed by CRLF");
    at += 2;
    if (form.parts.size() >= limits.maxParts)
      return fail("the form has more than " + std::to_string(limits.maxParts) + " parts");
    const size_t headEnd = body.find("\r\n\r\n", at);
    if (headEnd == std::string_view::npos || headEnd - at > limits.maxPartHeaderBytes)
      return fail("a part's headers are missing, unterminated or too long");
    FormPart part;
    bool disposition = false;
    size_t line = at;
    while (line < headEnd) {
      size_t end = body.find("\r\n", line);
      if (end == std::string_view::npos || end > headEnd) end = headEnd;
      const std::string header(body.substr(line, end - line));
      const size_t colon = header.find(':');
      if (colon == std::string::npos) return fail("a part header has no colon");
      const std::string name = lower(trimOws(header.substr(0, colon)));
      const std::string value = trimOws(header.substr(colon + 1));
      if (name == "content-disposition") {
        if (lower(value.substr(0, value.find(';'))) != "form-data")
          return fail("a part's Content-Disposition is not form-data");
        auto fieldName = parameter(value, "name");
        if (!fieldName) return fail("a part has no name");
        part.name = *fieldName;
        if (auto file = parameter(value, "filename")) {
          part.isFile = true;
          part.filename = *file;
        }
        disposition = true;
      } else if (name == "content-type") {
        part.contentType = value;
      }
      line = end + 2;
    }
    if (!disposition) return fail("a part has no Content-Disposition");
    const size_t dataStart = headEnd + 4;
    const std::string next = "\r\n" + delimiter;
    const size_t dataEnd = body.find(next, dataStart);
    if (dataEnd == std::string_view::npos) return fail("the form's closing boundary is missing");
    part.data.assign(body.substr(dataStart, dataEnd - dataStart));
    form.parts.push_back(std::move(part));
    at = dataEnd + next.size();
  }
}

}  // namespace fd::http
