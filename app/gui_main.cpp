// fluxdesk GUI entry point: everything else is in ui/.
#include "fluxdesk_app.h"

int main(int argc, char** argv) { return fd::ui::runApplication(argc, argv); }
