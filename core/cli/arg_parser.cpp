#include "cli/arg_parser.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace fd::cli {

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

void ArgParser::option(const std::string& longName, const std::string& shortName,
                       const std::string& valueName, const std::string& help) {
  specs_.push_back({longName, shortName, valueName, help, true});
}

void ArgParser::flag(const std::string& longName, const std::string& help) {
  specs_.push_back({longName, "", "", help, false});
}

void ArgParser::positional(const std::string& name, const std::string& help) {
  positionals_.emplace_back(name, help);
}

const ArgParser::Spec* ArgParser::find(const std::string& token) const {
  for (const auto& s : specs_)
    if (token == "--" + s.longName || (!s.shortName.empty() && token == "-" + s.shortName))
      return &s;
  return nullptr;
}

Status ArgParser::parse(const Args& args) {
  size_t nextPositional = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string token = args[i];
    if (token == "--help" || token == "-h") {
      help_ = true;
      continue;
    }
    if (token.size() > 1 && token[0] == '-' &&
        !(token.size() > 1 && std::isdigit(static_cast<unsigned char>(token[1])))) {
      std::optional<std::string> inlineValue;
      if (auto eq = token.find('='); token.rfind("--", 0) == 0 && eq != std::string::npos) {
        inlineValue = token.substr(eq + 1);
        token = token.substr(0, eq);
      }
      const Spec* spec = find(token);
      if (!spec)
        return makeError(ErrorKind::BadRequest, "unknown option '" + token + "' (see --help)");
      if (!spec->takesValue) {
        if (inlineValue)
          return makeError(ErrorKind::BadRequest, "option '" + token + "' takes no value");
        values_[spec->longName] = "1";
        continue;
      }
      if (!inlineValue) {
        if (i + 1 >= args.size())
          return makeError(ErrorKind::BadRequest,
                           "option '" + token + "' needs a value (" + spec->valueName + ")");
        inlineValue = args[++i];
      }
      values_[spec->longName] = *inlineValue;
      allValues_[spec->longName].push_back(*inlineValue);
      continue;
    }
    if (nextPositional >= positionals_.size())
      return makeError(ErrorKind::BadRequest, "unexpected argument '" + token + "' (see --help)");
    positionalValues_[positionals_[nextPositional++].first] = token;
  }
  if (!help_ && nextPositional < positionals_.size())
    return makeError(ErrorKind::BadRequest,
                     "missing argument " + positionals_[nextPositional].first + " (see --help)");
  return Status::success();
}

std::optional<std::string> ArgParser::value(const std::string& longName) const {
  auto it = values_.find(longName);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ArgParser::values(const std::string& longName) const {
  auto it = allValues_.find(longName);
  return it == allValues_.end() ? std::vector<std::string>{} : it->second;
}

bool ArgParser::isSet(const std::string& longName) const { return values_.count(longName) != 0; }

const std::string& ArgParser::positionalValue(const std::string& name) const {
  static const std::string empty;
  auto it = positionalValues_.find(name);
  return it == positionalValues_.end() ? empty : it->second;
}

std::string ArgParser::usage() const {
  std::ostringstream out;
  out << "usage: fluxdesk-cli " << command_;
  for (const auto& [name, help] : positionals_) out << " " << name;
  out << " [options]\n\n" << summary_ << "\n";
  if (!positionals_.empty()) {
    out << "\narguments:\n";
    for (const auto& [name, help] : positionals_) out << "  " << name << "\n      " << help << "\n";
  }
  out << "\noptions:\n";
  for (const auto& s : specs_) {
    std::string names = (s.shortName.empty() ? "" : "-" + s.shortName + ", ") + "--" + s.longName;
    if (s.takesValue) names += " " + s.valueName;
    out << "  " << names << "\n      " << s.help << "\n";
  }
  out << "  -h, --help\n      show this help\n";
  return out.str();
}

Result<int> parseIntOption(const std::string& option, const std::string& text, int min, int max) {
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    return makeError(ErrorKind::BadRequest, option + ": '" + text + "' is not a whole number");
  if (v < min || v > max)
    return makeError(ErrorKind::BadRequest, option + ": " + text + " is outside " +
                                                std::to_string(min) + ".." + std::to_string(max));
  return static_cast<int>(v);
}

Result<uint64_t> parseSeedOption(const std::string& option, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE)
    return makeError(ErrorKind::BadRequest, option + ": '" + text + "' is not a seed (0.." +
                                                std::to_string(UINT64_MAX) + ")");
  return static_cast<uint64_t>(v);
}

Result<double> parseDoubleOption(const std::string& option, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    return makeError(ErrorKind::BadRequest, option + ": '" + text + "' is not a number");
  return v;
}

Result<std::pair<int, int>> parseSizeOption(const std::string& option, const std::string& text) {
  auto x = text.find_first_of("xX");
  std::string w = x == std::string::npos ? text : text.substr(0, x);
  std::string h = x == std::string::npos ? text : text.substr(x + 1);
  auto width = parseIntOption(option + " (width)", w, 1, 1 << 20);
  if (!width)
    return makeError(ErrorKind::BadRequest,
                     option + ": '" + text + "' is not a size like 1024x768");
  auto height = parseIntOption(option + " (height)", h, 1, 1 << 20);
  if (!height)
    return makeError(ErrorKind::BadRequest,
                     option + ": '" + text + "' is not a size like 1024x768");
  return std::make_pair(*width, *height);
}

}  // namespace fd::cli
