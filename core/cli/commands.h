#pragma once
// The subcommands of fluxdesk-cli. Each takes the arguments after its name
// and returns the process exit code. One file each.

#include <string>
#include <vector>

namespace fd::cli {

using Args = std::vector<std::string>;

int runInspect(const Args& args);        // inspect_command.cpp
int runGenerate(const Args& args);       // generate_command.cpp
int runBench(const Args& args);          // bench_command.cpp
int runMakeDemoModel(const Args& args);  // make_demo_model_command.cpp
int runQuantize(const Args& args);       // quantize_command.cpp
int runDownload(const Args& args);       // download_command.cpp
#ifdef FLUXDESK_HAVE_SERVE
int runServe(const Args& args);  // serve_command.cpp (Qt builds)
#endif

}  // namespace fd::cli
