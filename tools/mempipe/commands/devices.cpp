#include <fmt/format.h>

#include <iostream>
#include <string>

#include "commands.h"
#include "mempipe/core/io.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"
#include "mempipe/devices/device.h"

namespace mempipe::cli {

void add_devices_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("devices",
                                   "List the devices mempipe can run on (today: this CPU) and "
                                   "the SIMD levels its kernels can use");
    auto json = std::make_shared<bool>(false);
    cmd->add_flag("--json", *json, "Print JSON instead of a table");
    cmd->callback([json] {
        CpuDevice cpu;
        DeviceInfo info = cpu.info();
        std::string levels;
        for (SimdLevel l : available_simd_levels())
            levels += (levels.empty() ? "" : ", ") + std::string(simd_level_name(l));
        if (*json) {
            Json j = Json::array();
            j.push_back({{"name", info.name},
                         {"kind", "cpu"},
                         {"description", info.description},
                         {"threads", num_threads()},
                         {"simd_detected", simd_level_name(detected_simd_level())},
                         {"simd_active", simd_level_name(active_simd_level())},
                         {"simd_levels", levels}});
            std::cout << j.dump(2) << "\n";
            return;
        }
        std::cout
            << "| device | kind | threads | SIMD active | SIMD levels available | description |\n"
               "|---|---|---:|---|---|---|\n";
        std::cout << fmt::format("| {} | cpu | {} | {} | {} | {} |\n", info.name, num_threads(),
                                 simd_level_name(active_simd_level()), levels, info.description);
        std::cout << "\nCap the level with MEMPIPE_SIMD=scalar|avx2|avx512|amx; set threads with a "
                     "command's --threads or OMP_NUM_THREADS.\n";
    });
}

}  // namespace mempipe::cli
