#pragma once
// fluxdesk-cli: subcommand dispatch. Each subcommand lives in its own file
// (inspect_command.cpp, generate_command.cpp, ...) and registers here.

namespace fd::cli {

// Runs the command line; returns the process exit code.
int run(int argc, char** argv);

}  // namespace fd::cli
