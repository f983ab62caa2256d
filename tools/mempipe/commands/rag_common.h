// Shared by the `mempipe rag …` subcommands: ranked-list output in text, JSON or TREC run format.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mempipe::cli {

enum class RankFormat { Text, Json, Trec };
RankFormat parse_rank_format(const std::string& name);  // text | json | trec; usage error otherwise

struct RankedDoc {
    std::string id;  // the user's doc id
    float score = 0;
    std::string text;  // optional snippet (text format only; empty = none)
};

struct RankedList {
    std::string query_id;
    std::string query_text;
    std::vector<RankedDoc> docs;  // best first
};

// text: one block per query ("query <id>: <text>" then "  rank  score  doc-id"), json: one JSON
// object per line {"query_id", "query", "hits": [{"rank", "id", "score"}]}, trec: the standard run
// format "qid Q0 docid rank score run_name".
std::string format_ranked(const std::vector<RankedList>& lists, RankFormat format,
                          std::string_view run_name = "mempipe");

}  // namespace mempipe::cli
