// The decode-attention engine: work splitting, threads, the log-sum-exp merge and the portable
// scalar variant (see decode_attention_kernels.h).
#include <algorithm>
#include <cmath>
#include <limits>

#include "devices/cpu/attention/decode_attention_kernels.h"
#include "mempipe/core/dtype.h"
#include "mempipe/core/parallel.h"
#include "mempipe/core/simd.h"

namespace mempipe::attention_detail {

namespace {

constexpr int64_t kTileTokens = 32;            // slice boundaries: multiples of the kernels' tile
constexpr double kMinWorkPerThread = 1 << 19;  // (token, query head, dim) triples

int64_t task_heads(const AttnPlan& p, int32_t tb, int32_t te) {
    int64_t n = 0;
    for (int32_t t = tb; t < te; ++t) n += p.tasks[size_t(t)].q_count;
    return n;
}

// The plan's work as a flat list of items in execution order.
std::vector<WorkItem> flat_items(const AttnPlan& p) {
    std::vector<WorkItem> items;
    int32_t nt = int32_t(p.tasks.size());
    if (p.shared_ranges) {
        for (const TokenRange& r : p.ranges)
            if (r.end > r.begin) items.push_back({r.begin, r.end, 0, nt});
        return items;
    }
    for (int32_t t = 0; t < nt; ++t) {
        const AttnTask& task = p.tasks[size_t(t)];
        for (size_t i = task.range_begin; i < task.range_end; ++i) {
            const TokenRange& r = p.ranges[i];
            if (r.end > r.begin) items.push_back({r.begin, r.end, t, t + 1});
        }
    }
    return items;
}

// Cuts the flat list into `parts` contiguous slices of about equal weight (tokens × query heads),
// splitting an item at a multiple of kTileTokens from its start.
std::vector<std::vector<WorkItem>> split_items(const AttnPlan& p,
                                               const std::vector<WorkItem>& items, int parts) {
    std::vector<std::vector<WorkItem>> out(static_cast<size_t>(parts));
    double total = 0;
    for (const WorkItem& it : items)
        total += double(it.end - it.begin) * double(task_heads(p, it.task_begin, it.task_end));
    double per = total / parts, used = 0;
    int part = 0;
    for (WorkItem it : items) {
        double heads = double(task_heads(p, it.task_begin, it.task_end));
        while (it.end > it.begin) {
            double room = per * (part + 1) - used;
            double w = double(it.end - it.begin) * heads;
            if (part == parts - 1 || w <= room) {
                out[size_t(part)].push_back(it);
                used += w;
                break;
            }
            int64_t take = int64_t(room / std::max(heads, 1.0));
            take = std::max<int64_t>(kTileTokens,
                                     (take + kTileTokens / 2) / kTileTokens * kTileTokens);
            if (take >= it.end - it.begin) {
                out[size_t(part)].push_back(it);
                used += w;
                break;
            }
            WorkItem head = it;
            head.end = it.begin + take;
            out[size_t(part)].push_back(head);
            used += double(take) * heads;
            it.begin = head.end;
            ++part;
        }
    }
    return out;
}

}  // namespace

void attend_scalar(const AttnPlan& plan, const WorkItem* items, size_t n_items, HeadState& st) {
    const AttentionShape& s = plan.s;
    const int64_t d = s.d, row = s.hkv * s.d;
    std::vector<float> vrow(static_cast<size_t>(d));
    for (size_t w = 0; w < n_items; ++w) {
        const WorkItem& it = items[w];
        for (int64_t t = it.begin; t < it.end; ++t) {
            for (int32_t ti = it.task_begin; ti < it.task_end; ++ti) {
                const AttnTask& task = plan.tasks[size_t(ti)];
                const uint16_t* kt = plan.k + t * row + task.kv_head * d;
                const uint16_t* vt = plan.v + t * row + task.kv_head * d;
                for (int64_t i = 0; i < d; ++i) vrow[size_t(i)] = bf16_to_f32(vt[i]);
                for (int32_t h = task.q_begin; h < task.q_begin + task.q_count; ++h) {
                    const float* qh = plan.q + h * d;
                    float dot = 0;
                    for (int64_t i = 0; i < d; ++i) dot += qh[i] * bf16_to_f32(kt[i]);
                    float sc = dot * s.scale;
                    float* acc = st.acc + h * d;
                    if (sc > st.m[h]) {
                        float alpha = std::exp(st.m[h] - sc);
                        st.l[h] *= alpha;
                        for (int64_t i = 0; i < d; ++i) acc[i] *= alpha;
                        st.m[h] = sc;
                    }
                    float p = std::exp(sc - st.m[h]);
                    st.l[h] += p;
                    for (int64_t i = 0; i < d; ++i) acc[i] += p * vrow[size_t(i)];
                }
            }
        }
    }
}

void run_attention_plan(const AttnPlan& plan, float* out) {
    const AttentionShape& s = plan.s;
    const int64_t d = s.d, hq = s.hq;
    AttendFn fn = d % 32 == 0   ? simd_pick<AttendFn>(attend_scalar, attend_avx2, attend_avx512)
                  : d % 16 == 0 ? simd_pick<AttendFn>(attend_scalar, attend_avx2, nullptr)
                                : attend_scalar;

    std::vector<WorkItem> items = flat_items(plan);
    double work = 0;
    for (const WorkItem& it : items)
        work += double(it.end - it.begin) * double(task_heads(plan, it.task_begin, it.task_end)) *
                double(d);
    int parts =
        int(std::clamp<double>(std::floor(work / kMinWorkPerThread), 1.0, double(num_threads())));
    std::vector<std::vector<WorkItem>> slices = split_items(plan, items, parts);

    const size_t per = size_t(hq) * size_t(d + 2);
    std::vector<float> state(per * size_t(parts));
    auto state_of = [&](int p) {
        float* base = state.data() + per * size_t(p);
        return HeadState{base, base + hq, base + 2 * hq};
    };
#pragma omp parallel for num_threads(parts) schedule(static, 1) if (parts > 1)
    for (int p = 0; p < parts; ++p) {
        HeadState st = state_of(p);
        std::fill(st.m, st.m + hq, -std::numeric_limits<float>::infinity());
        std::fill(st.l, st.l + hq, 0.0f);
        std::fill(st.acc, st.acc + hq * d, 0.0f);
        fn(plan, slices[size_t(p)].data(), slices[size_t(p)].size(), st);
    }

    std::vector<double> acc(static_cast<size_t>(d));
    for (const AttnTask& task : plan.tasks)
        for (int32_t h = task.q_begin; h < task.q_begin + task.q_count; ++h) {
            float* o = out + h * d;
            float m = -std::numeric_limits<float>::infinity();
            bool any = false, nan = false;
            for (int p = 0; p < parts; ++p) {
                HeadState st = state_of(p);
                if (st.l[h] != 0) {  // true for NaN too
                    any = true;
                    nan |= std::isnan(st.m[h]);
                    m = std::max(m, st.m[h]);
                }
            }
            if (!any) {
                std::fill(o, o + d, 0.0f);
                continue;
            }
            if (nan) m = std::numeric_limits<float>::quiet_NaN();
            double l = 0;
            std::fill(acc.begin(), acc.end(), 0.0);
            for (int p = 0; p < parts; ++p) {
                HeadState st = state_of(p);
                if (st.l[h] == 0) continue;
                double w = std::exp(double(st.m[h]) - double(m));
                l += w * st.l[h];
                for (int64_t i = 0; i < d; ++i) acc[size_t(i)] += w * st.acc[h * d + i];
            }
            for (int64_t i = 0; i < d; ++i) o[i] = float(acc[size_t(i)] / l);
        }
}

}  // namespace mempipe::attention_detail
