#include "mempipe/methods/profile.h"

#include <algorithm>

#include <fmt/format.h>

#include "mempipe/core/error.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/timer.h"
#include "mempipe/graph/executor.h"

namespace mempipe {

MethodProfile profile_method(Method& method, const MethodOptions& options, int repeats) {
    MEMPIPE_CHECK_ARG(repeats >= 1, "--repeats must be ≥ 1, got {}", repeats);
    MethodProfile p;
    p.method = std::string(method.name());
    p.description = std::string(method.description());
    p.backend = options.backend == Backend::Cpu ? "cpu" : "reference";
    p.tokens = options.tokens;
    p.batch = options.batch;
    p.threads = num_threads();

    Timer setup_timer;
    method.setup(options);
    Graph graph = method.step_graph();
    CpuDevice cpu;
    execute(graph, Phase::Setup, cpu, 1);
    p.setup_seconds = setup_timer.seconds();

    execute(graph, Phase::Step, cpu, 1);  // warm-up: first touch, caches
    ExecutionReport rep = execute(graph, Phase::Step, cpu, repeats);
    p.step_seconds = rep.total_seconds;
    for (size_t i = 0; i < graph.size(); ++i) {
        const OpNode& n = graph.node(int(i));
        if (n.phase != Phase::Step) continue;
        p.nodes.push_back({n.name, n.op, n.step, n.phase, n.period, n.repeat, rep.node_seconds[i],
                           rep.node_seconds[i] * n.per_step(), n.cost});
    }
    for (PipelineStep s : kAllPipelineSteps) {
        bool present = false;
        for (const auto& n : p.nodes) present |= n.step == s;
        if (present)
            p.steps.push_back(
                {s, rep.step_seconds(graph, s), graph.amortised_cost(Phase::Step, s)});
    }
    StepResult r = method.result();
    p.tokens_selected = r.tokens_selected;
    p.memory_bytes_read = r.memory_bytes_read;
    return p;
}

double MethodProfile::memory_seconds() const {
    double s = 0;
    for (const auto& b : steps)
        if (b.step != PipelineStep::Model) s += b.seconds;
    return s;
}

double MethodProfile::memory_fraction() const {
    return step_seconds > 0 ? memory_seconds() / step_seconds : 0.0;
}

bool MethodProfile::has_model_step() const {
    for (const auto& b : steps)
        if (b.step == PipelineStep::Model) return true;
    return false;
}

double MethodProfile::max_repeat() const {
    double r = 1;
    for (const auto& n : nodes) r = std::max(r, n.repeat);
    return r;
}

// What the times stand for: the whole model or one layer, measured or scaled.
static std::string scope_note(const MethodProfile& p) {
    const double r = p.max_repeat();
    if (!p.has_model_step())
        return "memory steps of one layer only (run with the rest of the model for the "
               "memory-processing share)";
    if (r > 1)
        return fmt::format(
            "whole model: one layer measured and each node scaled by its repeat (layers × "
            "tokens, segments or chunks per step; up to ×{:g})",
            r);
    return "whole model, measured";
}

static Json cost_json(const OpCost& c) {
    return Json{{"flops", c.flops},
                {"bytes_read", c.bytes_read},
                {"bytes_written", c.bytes_written},
                {"intensity_flop_per_byte", c.intensity()},
                {"access", access_pattern_name(c.pattern)}};
}

Json profile_to_json(const MethodProfile& p) {
    Json j{{"method", p.method},
           {"description", p.description},
           {"backend", p.backend},
           {"tokens", p.tokens},
           {"batch", p.batch},
           {"threads", p.threads},
           {"setup_s", p.setup_seconds},
           {"step_s", p.step_seconds},
           {"tokens_selected", p.tokens_selected},
           {"memory_bytes_read", p.memory_bytes_read},
           {"memory_seconds", p.memory_seconds()},
           {"memory_fraction", p.has_model_step() ? Json(p.memory_fraction()) : Json(nullptr)},
           {"scope", scope_note(p)}};
    Json steps = Json::array();
    for (const auto& s : p.steps)
        steps.push_back({{"step", pipeline_step_name(s.step)},
                         {"seconds", s.seconds},
                         {"fraction", p.step_seconds > 0 ? s.seconds / p.step_seconds : 0.0},
                         {"cost", cost_json(s.cost)}});
    j["steps"] = steps;
    Json nodes = Json::array();
    for (const auto& n : p.nodes)
        nodes.push_back({{"name", n.name},
                         {"op", n.op},
                         {"step", pipeline_step_name(n.step)},
                         {"period", n.period},
                         {"repeat", n.repeat},
                         {"seconds", n.seconds},
                         {"amortised_seconds", n.amortised_seconds},
                         {"cost", cost_json(n.cost)}});
    j["nodes"] = nodes;
    return j;
}

static std::string human_seconds(double s) {
    if (s >= 1) return fmt::format("{:.2f} s", s);
    if (s >= 1e-3) return fmt::format("{:.3f} ms", s * 1e3);
    return fmt::format("{:.1f} µs", s * 1e6);
}

static std::string human_bytes(double b) {
    if (b >= 1e9) return fmt::format("{:.2f} GB", b / 1e9);
    if (b >= 1e6) return fmt::format("{:.2f} MB", b / 1e6);
    if (b >= 1e3) return fmt::format("{:.1f} kB", b / 1e3);
    return fmt::format("{:.0f} B", b);
}

static std::string human_tokens(int64_t n) {
    if (n >= (1 << 20) && n % (1 << 20) == 0) return fmt::format("{}M", n >> 20);
    if (n >= 1024 && n % 1024 == 0) return fmt::format("{}K", n >> 10);
    return std::to_string(n);
}

std::string profile_to_markdown(const MethodProfile& p) {
    std::string out =
        fmt::format("## {} — {} tokens, batch {}, {} threads, {} kernels\n\n{}\n\n", p.method,
                    human_tokens(p.tokens), p.batch, p.threads, p.backend, p.description);
    out += fmt::format("Scope: {}.\n\n", scope_note(p));
    out += "| node | op | step | every | × | time | FLOPs | bytes | FLOP/B | access |\n";
    out += "|---|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    for (const auto& n : p.nodes)
        out += fmt::format("| {} | {} | {} | {} | {:g} | {} | {:.3g} | {} | {:.2f} | {} |\n",
                           n.name, n.op, pipeline_step_name(n.step),
                           n.period == 1 ? "step" : fmt::format("{} steps", n.period), n.repeat,
                           human_seconds(n.seconds), n.cost.flops, human_bytes(n.cost.bytes()),
                           n.cost.intensity(), access_pattern_name(n.cost.pattern));
    out += "\n| step | time / decode step | share | FLOP/B |\n|---|---:|---:|---:|\n";
    for (const auto& s : p.steps)
        out += fmt::format("| {} | {} | {:.1f}% | {:.2f} |\n", pipeline_step_name(s.step),
                           human_seconds(s.seconds),
                           p.step_seconds > 0 ? 100 * s.seconds / p.step_seconds : 0.0,
                           s.cost.intensity());
    out += fmt::format("| **total** | **{}** | 100% | |\n\n", human_seconds(p.step_seconds));
    if (p.has_model_step())
        out += fmt::format(
            "memory processing (Prepare + Relevancy + Retrieval + Apply): {} = "
            "{:.3g}% of the step\n",
            human_seconds(p.memory_seconds()), 100 * p.memory_fraction());
    out += fmt::format("tokens selected: {} · memory read per step: {} · setup: {}\n",
                       p.tokens_selected, human_bytes(p.memory_bytes_read),
                       human_seconds(p.setup_seconds));
    return out;
}

std::string profiles_breakdown_markdown(const std::vector<MethodProfile>& ps) {
    if (ps.empty()) return "";
    std::vector<PipelineStep> steps;
    for (const auto& p : ps)
        for (const auto& s : p.steps)
            if (std::find(steps.begin(), steps.end(), s.step) == steps.end())
                steps.push_back(s.step);
    std::sort(steps.begin(), steps.end());
    std::string out = fmt::format(
        "## {} — per-step breakdown of one step (a decode step, or a request for the RAG and "
        "memory methods; batch {}, {} threads, measured)\n\n"
        "Scope: {}.\n\n",
        ps[0].method, ps[0].batch, ps[0].threads, scope_note(ps[0]));
    const bool share = ps[0].has_model_step();
    out += "| tokens | step time |";
    for (auto s : steps) out += fmt::format(" {} |", pipeline_step_name(s));
    if (share) out += " memory processing |";
    out += " memory read | tokens selected |\n|---:|---:|";
    for (size_t i = 0; i < steps.size() + (share ? 1 : 0); ++i) out += "---:|";
    out += "---:|---:|\n";
    for (const auto& p : ps) {
        out += fmt::format("| {} | {} |", human_tokens(p.tokens), human_seconds(p.step_seconds));
        for (auto s : steps) {
            double sec = 0;
            for (const auto& b : p.steps)
                if (b.step == s) sec = b.seconds;
            out += fmt::format(" {} ({:.0f}%) |", human_seconds(sec),
                               p.step_seconds > 0 ? 100 * sec / p.step_seconds : 0.0);
        }
        if (share) out += fmt::format(" **{:.3g}%** |", 100 * p.memory_fraction());
        out += fmt::format(" {} | {} |\n", human_bytes(p.memory_bytes_read), p.tokens_selected);
    }
    out += "\nArithmetic intensity (FLOP/byte) per step:\n\n| tokens |";
    for (auto s : steps) out += fmt::format(" {} |", pipeline_step_name(s));
    out += "\n|---:|";
    for (size_t i = 0; i < steps.size(); ++i) out += "---:|";
    out += "\n";
    for (const auto& p : ps) {
        out += fmt::format("| {} |", human_tokens(p.tokens));
        for (auto s : steps) {
            double ai = 0;
            for (const auto& b : p.steps)
                if (b.step == s) ai = b.cost.intensity();
            out += fmt::format(" {:.2f} |", ai);
        }
        out += "\n";
    }
    return out;
}

}  // namespace mempipe
