#include "mempipe/ops/cost.h"

#include <algorithm>

namespace mempipe {

std::string_view access_pattern_name(AccessPattern p) {
    switch (p) {
        case AccessPattern::Regular:
            return "regular";
        case AccessPattern::Irregular:
            return "irregular";
        case AccessPattern::DataDependent:
            return "data-dependent";
    }
    return "?";
}

OpCost& OpCost::operator+=(const OpCost& o) {
    if (o.flops > flops) compute_dtype = o.compute_dtype;
    flops += o.flops;
    bytes_read += o.bytes_read;
    bytes_written += o.bytes_written;
    bytes_shared += o.bytes_shared;
    pattern = AccessPattern(std::max(int(pattern), int(o.pattern)));
    return *this;
}

}  // namespace mempipe
