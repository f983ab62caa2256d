// Stages of an emulated FPGA dataflow design and the scheduler that runs them on the CPU.
//
// A stage is one process of an HLS `#pragma HLS dataflow` region (a TAPA task): a pipelined loop
// with an explicit trip count that reads its input streams and writes its output streams. Here a
// stage is a class whose `step()` executes ONE iteration of that loop body, and only when the
// iteration can complete: it first checks that its inputs hold the tokens the iteration reads and
// its outputs have room for what it writes (`can_read` / `can_write`, which also record what the
// stage is waiting for), then reads, computes and writes. Stages keep their state in fixed-size
// members (no heap inside a stage), so the loop body is the kernel code an HLS tool would see.
//
// `run_dataflow` is a cooperative round-robin scheduler: it steps every unfinished stage in turn
// (up to `burst` iterations per turn) until all are done. If a full round makes no progress while
// some stage is unfinished, the design is deadlocked (a FIFO too shallow for a rate mismatch, a
// missing producer, a cycle): it throws an Error naming every waiting stage and the stream it waits
// on, with its fill level; it never hangs. Functional results do not depend on the schedule
// (streams are FIFOs with one reader and one writer: a Kahn process network), so the emulation is
// deterministic. Timing is not measured from the schedule: it comes from the cycle model
// (cycle_model.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mempipe/devices/fpga/stream.h"

namespace mempipe::fpga {

enum class StageStatus {
    Progress,  // executed one iteration
    Blocked,   // an input is empty or an output is full (see waiting())
    Done,      // trip count reached
};

class Stage {
  public:
    explicit Stage(std::string_view name) : name_(name) {}
    Stage(const Stage&) = delete;
    Stage& operator=(const Stage&) = delete;
    virtual ~Stage() = default;

    // One loop iteration if it can complete, else Blocked (no side effects); Done when finished.
    virtual StageStatus step() = 0;
    const std::string& name() const { return name_; }
    int64_t iterations() const { return iterations_; }
    // What the stage waited for when it last returned Blocked ("" if it never blocked).
    std::string waiting() const;

  protected:
    // True when `s` holds at least n tokens; otherwise records the wait and returns false.
    bool can_read(const StreamBase& s, int64_t n = 1);
    // True when `s` has room for n tokens; otherwise records the wait and returns false.
    bool can_write(const StreamBase& s, int64_t n = 1);
    StageStatus progressed() {
        ++iterations_;
        return StageStatus::Progress;
    }

  private:
    std::string name_;
    const StreamBase* wait_stream_ = nullptr;
    int64_t wait_tokens_ = 0;
    bool wait_write_ = false;
    int64_t iterations_ = 0;
};

struct DataflowStats {
    int64_t rounds = 0;      // scheduler rounds
    int64_t iterations = 0;  // stage iterations executed, all stages
};

// Runs `stages` to completion (see the header comment). `design` names the design in errors.
// Throws Error(Runtime) on deadlock with the full waiting graph.
DataflowStats run_dataflow(std::string_view design, std::span<Stage* const> stages,
                           int64_t burst = 256);

}  // namespace mempipe::fpga
