// mempipe: the memory-processing pipeline engine's command-line interface.
//
// Exit codes: 0 success, 1 runtime failure, 2 usage error (bad arguments, unknown names, sizes that
// cannot work).
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands/commands.h"
#include "mempipe/core/error.h"

int main(int argc, char** argv) {
    CLI::App app{
        "mempipe — the memory-processing pipeline of long-context LLM inference\n"
        "(Prepare Memory → Compute Relevancy → Retrieval → Apply to Inference)"};
    app.name("mempipe");
    app.require_subcommand(1, 1);
    app.fallthrough(false);
    mempipe::cli::add_methods_command(app);
    mempipe::cli::add_devices_command(app);
    mempipe::cli::add_run_command(app);
    mempipe::cli::add_profile_command(app);
    mempipe::cli::add_bench_command(app);
    mempipe::cli::add_rag_command(app);
    mempipe::cli::add_plan_command(app);
    mempipe::cli::add_simulate_command(app);
    mempipe::cli::add_embed_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        std::cerr << "Run 'mempipe --help' or 'mempipe COMMAND --help' for usage.\n";
        return 2;
    } catch (const mempipe::Error& e) {
        std::cerr << "mempipe: error: " << e.what() << "\n";
        return e.kind() == mempipe::ErrorKind::Usage ? 2 : 1;
    } catch (const std::exception& e) {
        std::cerr << "mempipe: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
