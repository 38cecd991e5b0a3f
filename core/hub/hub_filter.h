#pragma once
// Which repo files a download takes: huggingface_hub's filter_repo_objects
// (what `hf download --include/--exclude` uses). Patterns are fnmatch globs
// matched case-sensitively on the whole repo path, and `*` crosses folders
// ("data/*.json" takes "data/a/b.json"); a pattern ending in "/" means
// everything below it; backslashes count as "/". A path is taken when it
// matches an include pattern (or there are none) and no exclude pattern.
// Torch-free, Qt-free.

#include <string>
#include <vector>

namespace fd::hub {

bool hubGlobMatch(const std::string& path, const std::string& pattern);
bool hubPathSelected(const std::string& path, const std::vector<std::string>& include,
                     const std::vector<std::string>& exclude);

}  // namespace fd::hub
