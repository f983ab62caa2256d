// The planner's search: greedy construction, single-unit improvement, exact branch and bound
// (src/planner/planner_search.h).
#include "planner/planner_search.h"

#include <algorithm>
#include <cmath>

namespace mempipe::planner_detail {
namespace {

bool undecided(const State& st, const Candidate& k) {
    for (int m : k.nodes)
        if (st.cand_of[size_t(m)] >= 0) return false;
    return true;
}

// The cheapest single-node option of `node` (slot), or −1.
int cheapest_single(const Model& m, int node) {
    const int c = m.single()[size_t(node)];
    for (auto [oc, os] : m.options_at(node))
        if (oc == c) return os;
    return -1;
}

bool usable(const Model& m, int c, int s) {
    const Candidate& k = m.candidates()[size_t(c)];
    return m.slots()[size_t(s)].placeable && k.cost[size_t(s)].feasible && k.pin_ok[size_t(s)];
}

void set_unit(const Model& m, Choice& ch, int c, int s) {
    for (int x : m.candidates()[size_t(c)].nodes) {
        ch.cand[size_t(x)] = c;
        ch.slot[size_t(x)] = s;
    }
}

// Greedy: nodes in graph order, each taking the option whose partial plan has the best bound.
bool greedy(const Model& m, Choice& out, std::string& refused) {
    State st = m.initial_state();
    for (size_t i = 0; i < m.n(); ++i) {
        if (st.cand_of[i] >= 0) {
            const int c = st.cand_of[i];
            if (m.candidates()[size_t(c)].nodes.back() != int(i)) continue;
            Record rec;
            if (!m.schedule(st, c, st.slot_of[i], &rec)) {
                refused = rec.refused;
                return false;
            }
            continue;
        }
        bool found = false;
        State best_state;
        Score best;
        for (auto [c, s] : m.options_at(int(i))) {
            const Candidate& k = m.candidates()[size_t(c)];
            if (!undecided(st, k)) continue;
            State next = st;
            m.decide(next, c, s);
            if (k.nodes.back() == int(i)) {
                Record rec;
                if (!m.schedule(next, c, s, &rec)) {
                    refused = rec.refused;
                    continue;
                }
            }
            const Score lb = m.lower_bound(next);
            if (!found || better(lb, best)) {
                found = true;
                best = lb;
                best_state = std::move(next);
            }
        }
        if (!found) return false;
        st = std::move(best_state);
    }
    out.cand = st.cand_of;
    out.slot = st.slot_of;
    return true;
}

// Everything on slot s where it can run (fused variants on s when `fuse`), else the cheapest.
bool single_device(const Model& m, int s, bool fuse, Choice& out) {
    out.cand.assign(m.n(), -1);
    out.slot.assign(m.n(), -1);
    for (size_t i = 0; i < m.n(); ++i) {
        if (out.cand[i] >= 0) continue;
        bool placed = false;
        if (fuse)
            for (size_t c = 0; c < m.candidates().size() && !placed; ++c) {
                const Candidate& k = m.candidates()[c];
                if (k.variant < 0 || k.nodes.front() != int(i) || !usable(m, int(c), s)) continue;
                bool free = true;
                for (int x : k.nodes) free &= out.cand[size_t(x)] < 0;
                if (!free) continue;
                set_unit(m, out, int(c), s);
                placed = true;
            }
        if (placed) continue;
        const int c = m.single()[i];
        int slot = usable(m, c, s) ? s : cheapest_single(m, int(i));
        if (slot < 0) {
            // Only a fused variant can run this node: take its cheapest option.
            for (auto [oc, os] : m.options_at(int(i))) {
                bool free = true;
                for (int x : m.candidates()[size_t(oc)].nodes) free &= out.cand[size_t(x)] < 0;
                if (free) {
                    set_unit(m, out, oc, os);
                    break;
                }
            }
            if (out.cand[i] < 0) return false;
            continue;
        }
        set_unit(m, out, c, slot);
    }
    return true;
}

// Best-improvement single-unit moves until none improves.
Score improve(const Model& m, Choice& ch, Score cur, int64_t& evaluated) {
    const size_t S = m.slots().size();
    for (int iter = 0; iter < 10000; ++iter) {
        Choice best_ch;
        Score best = cur;
        bool moved = false;
        auto consider = [&](Choice&& c) {
            const Score sc = m.evaluate(c);
            ++evaluated;
            if (better(sc, best)) {
                best = sc;
                best_ch = std::move(c);
                moved = true;
            }
        };
        for (size_t i = 0; i < m.n(); ++i) {
            const Candidate& k = m.candidates()[size_t(ch.cand[i])];
            if (k.nodes.front() != int(i)) continue;
            for (size_t s = 0; s < S; ++s) {
                Choice c = ch;
                if (int(s) != ch.slot[i] && move_unit(m, c, int(i), int(s))) consider(std::move(c));
            }
            if (k.variant >= 0) {
                Choice c = ch;
                if (split(m, c, int(i))) consider(std::move(c));
            }
        }
        for (size_t v = 0; v < m.candidates().size(); ++v) {
            const Candidate& k = m.candidates()[v];
            if (k.variant < 0 || ch.cand[size_t(k.nodes.front())] == int(v)) continue;
            for (size_t s = 0; s < S; ++s) {
                Choice c = ch;
                if (activate(m, c, int(v), int(s))) consider(std::move(c));
            }
        }
        if (!moved) break;
        ch = std::move(best_ch);
        cur = best;
    }
    return cur;
}

struct Dfs {
    const Model& m;
    Score best;
    Choice best_choice;
    int64_t visited = 0;
    bool stopped = false;

    void run(int i, const State& st) {
        if (stopped) return;
        if (++visited > kMaxExactStates) {
            stopped = true;
            return;
        }
        if (size_t(i) == m.n()) {
            const Score sc = m.score(st);
            if (better(sc, best)) {
                best = sc;
                best_choice.cand = st.cand_of;
                best_choice.slot = st.slot_of;
            }
            return;
        }
        if (st.cand_of[size_t(i)] >= 0) {
            const int c = st.cand_of[size_t(i)];
            if (m.candidates()[size_t(c)].nodes.back() != i) return run(i + 1, st);
            State next = st;
            if (!m.schedule(next, c, st.slot_of[size_t(i)])) return;
            if (can_improve(m.lower_bound(next), best)) run(i + 1, next);
            return;
        }
        for (auto [c, s] : m.options_at(i)) {
            const Candidate& k = m.candidates()[size_t(c)];
            if (!undecided(st, k)) continue;
            State next = st;
            m.decide(next, c, s);
            if (k.nodes.back() == i && !m.schedule(next, c, s)) continue;
            if (can_improve(m.lower_bound(next), best)) run(i + 1, next);
        }
    }
};

}  // namespace

bool move_unit(const Model& m, Choice& ch, int node, int slot) {
    const int c = ch.cand[size_t(node)];
    if (!usable(m, c, slot)) return false;
    set_unit(m, ch, c, slot);
    return true;
}

bool split(const Model& m, Choice& ch, int node) {
    const Candidate& k = m.candidates()[size_t(ch.cand[size_t(node)])];
    if (k.variant < 0) return false;
    const int s = ch.slot[size_t(node)];
    for (int x : k.nodes) {
        const int c = m.single()[size_t(x)];
        const int slot = usable(m, c, s) ? s : cheapest_single(m, x);
        if (slot < 0) return false;
        set_unit(m, ch, c, slot);
    }
    return true;
}

bool activate(const Model& m, Choice& ch, int c, int slot) {
    if (!usable(m, c, slot)) return false;
    const Candidate& k = m.candidates()[size_t(c)];
    for (int x : k.nodes) {
        const Candidate& cur = m.candidates()[size_t(ch.cand[size_t(x)])];
        if (cur.variant < 0 || ch.cand[size_t(x)] == c) continue;
        const int s = ch.slot[size_t(x)];
        for (int y : cur.nodes) {
            if (std::find(k.nodes.begin(), k.nodes.end(), y) != k.nodes.end()) continue;
            const int single = m.single()[size_t(y)];
            const int ys = usable(m, single, s) ? s : cheapest_single(m, y);
            if (ys < 0) return false;
            set_unit(m, ch, single, ys);
        }
    }
    set_unit(m, ch, c, slot);
    return true;
}

SearchResult heuristic_search(const Model& m) {
    SearchResult r;
    std::vector<Choice> starts;
    Choice g;
    if (greedy(m, g, r.refused)) starts.push_back(std::move(g));
    for (size_t s = 0; s < m.slots().size(); ++s)
        for (bool fuse : {false, true}) {
            Choice c;
            if (m.slots()[s].placeable && single_device(m, int(s), fuse, c))
                starts.push_back(std::move(c));
        }
    for (Choice& c : starts) {
        Record rec;
        Score sc = m.evaluate(c, &rec);
        ++r.visited;
        if (std::isinf(sc.primary)) {
            if (r.refused.empty()) r.refused = rec.refused;
            continue;
        }
        sc = improve(m, c, sc, r.visited);
        if (better(sc, r.score)) {
            r.score = sc;
            r.choice = c;
        }
    }
    return r;
}

SearchResult exact_search(const Model& m, const SearchResult& incumbent) {
    SearchResult r = incumbent;
    Dfs dfs{m, r.score, r.choice};
    dfs.run(0, m.initial_state());
    r.visited = dfs.visited;
    if (better(dfs.best, r.score) || std::isinf(r.score.primary)) {
        r.score = dfs.best;
        r.choice = dfs.best_choice;
    }
    r.exact = !dfs.stopped;
    if (dfs.stopped)
        r.stopped = "the branch and bound stopped after " + std::to_string(kMaxExactStates) +
                    " states; the best plan found is reported";
    return r;
}

SearchResult search(const Model& m) {
    SearchResult r = heuristic_search(m);
    if (m.placeable_units() <= m.options().exact_limit) r = exact_search(m, r);
    return r;
}

}  // namespace mempipe::planner_detail
