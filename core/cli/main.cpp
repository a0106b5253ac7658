// kdump-failover: the command. It dispatches through the command table (core/cli/command_table.h);
// a name the table does not know goes to the commands the plugins on the search path export.
#include <signal.h>

#include <cstdio>

#include "core/cli/command.h"
#include "core/cli/command_table.h"
#include "core/plugin/search_path.h"

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error to report, not a reason to die
    if (argc < 2) {
        std::fputs(kdf::cli::usage_text(kdf::plugin::plugin_search_path({})).c_str(), stderr);
        return 2;
    }
    const std::string command = argv[1];
    const kdf::cli::Args args(argv + 2, argv + argc);
    if (const kdf::cli::CoreCommand* c = kdf::cli::find_core_command(command)) return c->run(args);
    return kdf::cli::cmd_plugin_command(command, args, kdf::cli::core_command_names());
}
