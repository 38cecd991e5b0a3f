// fluxdesk-cli entry point: everything else is in core/cli.
#include "cli/cli.h"

int main(int argc, char** argv) { return fd::cli::run(argc, argv); }
