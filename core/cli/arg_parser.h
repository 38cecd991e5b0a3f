#pragma once
// A small command-line parser shared by the fluxdesk-cli subcommands:
// --long VALUE, --long=VALUE, -s VALUE, flags, positional arguments, and
// a generated --help text. Errors are BadRequest values naming the option.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "common/result.h"

namespace fd::cli {

class ArgParser {
 public:
  ArgParser(std::string command, std::string summary);

  // An option that takes a value; `shortName` may be empty ("-n").
  void option(const std::string& longName, const std::string& shortName,
              const std::string& valueName, const std::string& help);
  void flag(const std::string& longName, const std::string& help);
  void positional(const std::string& name, const std::string& help);

  // Fills the values; BadRequest for an unknown option, a missing value, a
  // missing or extra positional argument. --help / -h sets helpRequested().
  Status parse(const Args& args);
  bool helpRequested() const { return help_; }

  std::optional<std::string> value(const std::string& longName) const;  // the last one given
  // Every value given for an option that may repeat ("--include a --include b"), in order.
  std::vector<std::string> values(const std::string& longName) const;
  bool isSet(const std::string& longName) const;
  const std::string& positionalValue(const std::string& name) const;
  std::string usage() const;

 private:
  struct Spec {
    std::string longName, shortName, valueName, help;
    bool takesValue = true;
  };
  const Spec* find(const std::string& token) const;

  std::string command_, summary_;
  std::vector<Spec> specs_;
  std::vector<std::pair<std::string, std::string>> positionals_;  // name, help
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> allValues_;
  std::map<std::string, std::string> positionalValues_;
  bool help_ = false;
};

// Typed values with range checks; BadRequest messages name the option.
Result<int> parseIntOption(const std::string& option, const std::string& text, int min, int max);
Result<uint64_t> parseSeedOption(const std::string& option, const std::string& text);
Result<double> parseDoubleOption(const std::string& option, const std::string& text);
// "1024x768" (also "1024" for a square).
Result<std::pair<int, int>> parseSizeOption(const std::string& option, const std::string& text);

}  // namespace fd::cli
