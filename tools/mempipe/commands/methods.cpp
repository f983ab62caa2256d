#include <fmt/format.h>

#include <iostream>

#include "commands.h"
#include "mempipe/core/io.h"

namespace mempipe::cli {

void add_methods_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("methods", "List the memory-processing methods mempipe can run");
    auto json = std::make_shared<bool>(false);
    cmd->add_flag("--json", *json, "Print JSON instead of a table");
    cmd->callback([json] {
        auto methods = list_methods();
        if (*json) {
            Json j = Json::array();
            for (const auto& m : methods)
                j.push_back({{"name", m.name}, {"description", m.description}});
            std::cout << j.dump(2) << "\n";
            return;
        }
        std::cout << "| method | description |\n|---|---|\n";
        for (const auto& m : methods)
            std::cout << fmt::format("| {} | {} |\n", m.name, m.description);
    });
}

}  // namespace mempipe::cli
