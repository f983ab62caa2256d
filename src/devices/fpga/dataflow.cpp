// The cooperative scheduler of emulated dataflow designs and its deadlock diagnostics.
#include <fmt/format.h>

#include <vector>

#include "mempipe/core/error.h"
#include "mempipe/devices/fpga/stage.h"

namespace mempipe::fpga {

std::string Stage::waiting() const {
    if (!wait_stream_) return {};
    return fmt::format("{} stream '{}' (needs {} {}; holds {} of {})",
                       wait_write_ ? "writing" : "reading", wait_stream_->name(), wait_tokens_,
                       wait_write_ ? "free slots" : "tokens", wait_stream_->size(),
                       wait_stream_->capacity());
}

bool Stage::can_read(const StreamBase& s, int64_t n) {
    if (s.size() >= n) return true;
    wait_stream_ = &s;
    wait_tokens_ = n;
    wait_write_ = false;
    return false;
}

bool Stage::can_write(const StreamBase& s, int64_t n) {
    if (s.free_slots() >= n) return true;
    wait_stream_ = &s;
    wait_tokens_ = n;
    wait_write_ = true;
    return false;
}

DataflowStats run_dataflow(std::string_view design, std::span<Stage* const> stages, int64_t burst) {
    MEMPIPE_CHECK_ARG(burst >= 1, "run_dataflow: burst must be ≥ 1, got {}", burst);
    for (const Stage* s : stages)
        MEMPIPE_CHECK_ARG(s != nullptr, "run_dataflow: design '{}' has a null stage", design);
    DataflowStats stats;
    std::vector<char> done(stages.size(), 0);
    size_t remaining = stages.size();
    while (remaining > 0) {
        ++stats.rounds;
        bool progress = false;
        for (size_t i = 0; i < stages.size(); ++i) {
            if (done[i]) continue;
            for (int64_t b = 0; b < burst; ++b) {
                StageStatus st = stages[i]->step();
                if (st == StageStatus::Progress) {
                    progress = true;
                    ++stats.iterations;
                    continue;
                }
                if (st == StageStatus::Done) {
                    done[i] = 1;
                    --remaining;
                    progress = true;
                }
                break;
            }
        }
        if (!progress) {
            std::string msg;
            for (size_t i = 0; i < stages.size(); ++i) {
                if (done[i]) continue;
                std::string w = stages[i]->waiting();
                msg += fmt::format("\n  stage '{}' after {} iterations: {}", stages[i]->name(),
                                   stages[i]->iterations(), w.empty() ? "blocked" : w);
            }
            runtime_error(
                "fpga dataflow deadlock in design '{}': no stage can make progress{}\nA full "
                "stream means its consumer is stuck or the FIFO is too shallow for the rate "
                "mismatch; an empty one means its producer is stuck or missing.",
                design, msg);
        }
    }
    return stats;
}

}  // namespace mempipe::fpga
