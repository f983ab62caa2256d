#include "commands/rag_common.h"

#include <fmt/format.h>

#include "mempipe/core/error.h"
#include "mempipe/core/io.h"

namespace mempipe::cli {

RankFormat parse_rank_format(const std::string& name) {
    if (name == "text") return RankFormat::Text;
    if (name == "json") return RankFormat::Json;
    if (name == "trec") return RankFormat::Trec;
    usage_error("unknown --format '{}': choose text, json or trec", name);
}

std::string format_ranked(const std::vector<RankedList>& lists, RankFormat format,
                          std::string_view run_name) {
    std::string out;
    for (const RankedList& list : lists) {
        switch (format) {
            case RankFormat::Text: {
                out += fmt::format("query {}: {}\n", list.query_id, list.query_text);
                if (list.docs.empty()) out += "  (no document matches)\n";
                for (size_t r = 0; r < list.docs.size(); ++r) {
                    const RankedDoc& d = list.docs[r];
                    out += fmt::format("  {:>4}  {:>10.6f}  {}", r + 1, d.score, d.id);
                    if (!d.text.empty()) out += fmt::format("  {}", d.text);
                    out += '\n';
                }
                break;
            }
            case RankFormat::Json: {
                Json j;
                j["query_id"] = list.query_id;
                j["query"] = list.query_text;
                Json hits = Json::array();
                for (size_t r = 0; r < list.docs.size(); ++r)
                    hits.push_back(Json{
                        {"rank", r + 1}, {"id", list.docs[r].id}, {"score", list.docs[r].score}});
                j["hits"] = std::move(hits);
                out += j.dump(-1, ' ', false, Json::error_handler_t::replace);
                out += '\n';
                break;
            }
            case RankFormat::Trec:
                for (size_t r = 0; r < list.docs.size(); ++r)
                    out += fmt::format("{} Q0 {} {} {:.6f} {}\n", list.query_id, list.docs[r].id,
                                       r + 1, list.docs[r].score, run_name);
                break;
        }
    }
    return out;
}

}  // namespace mempipe::cli
