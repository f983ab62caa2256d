// The planner's search (internal): exact branch and bound over the placeable units, or greedy
// construction with single-unit moves; both start from the greedy plan and the single-device
// plans, so the result never costs more than the best single-device plan.
#pragma once

#include <cstdint>
#include <string>

#include "planner_model.h"

namespace mempipe::planner_detail {

struct SearchResult {
    Choice choice;
    Score score;  // infinite primary: no feasible plan
    bool exact = false;
    int64_t visited = 0;  // branch-and-bound states (exact) or plans evaluated (greedy)
    std::string refused;  // when infeasible: the last refusal seen
    std::string stopped;  // non-empty when the exact search hit its state budget
};

// Branch-and-bound states visited before an exact search stops with the best plan found.
inline constexpr int64_t kMaxExactStates = 1'000'000;

// Exact search when the graph has at most exact_limit placeable units, else the heuristic.
SearchResult search(const Model& m);
// Greedy construction and the single-device plans, each improved by single-unit moves.
SearchResult heuristic_search(const Model& m);
// Branch and bound over every (unit, device) choice, pruning with the model's lower bounds
// against `incumbent` (pass an empty result to search from scratch).
SearchResult exact_search(const Model& m, const SearchResult& incumbent = {});

// Single-unit variations of a choice (used by the search and the explanations).
// The unit covering `node` moved to slot s (same candidate); false when impossible.
bool move_unit(const Model& m, Choice& ch, int node, int slot);
// Fused variant candidate c activated on slot s, members taken out of other units; false when
// impossible.
bool activate(const Model& m, Choice& ch, int c, int slot);
// The fused unit covering `node` split into single nodes on the same slot (or their cheapest).
bool split(const Model& m, Choice& ch, int node);

}  // namespace mempipe::planner_detail
