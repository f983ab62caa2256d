// Internals of `mempipe rag bench` shared by rag_bench.cpp (our engine, orchestration),
// rag_peers.cpp (peer processes, their hits) and rag_report.cpp (markdown).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mempipe/core/io.h"
#include "suite.h"

namespace mempipe::bench::rag_detail {

// A peer engine process (bench/peers/rag_<name>.py or the rag_xapian binary).
struct PeerSpec {
    std::string name;     // bm25s | tantivy | xapian | fts5
    bool compare_hits;    // its top-k is compared with ours (bm25s only: same formula/tokenizer)
    int64_t max_queries;  // 0 = all; slow engines run the first N queries only
};

// Known peers in report order; an unknown name is a usage error naming the choices.
std::vector<PeerSpec> resolve_peers(const std::vector<std::string>& names,
                                    const RagBenchOptions& options);

// The peer's command line prefix (interpreter + script, or the binary), or an empty vector and
// `why` set when it cannot run here (no .venv, no rag_xapian binary).
std::vector<std::string> peer_command(const PeerSpec& peer, std::string* why);

// Runs argv with stdout/stderr sent to files under work_dir; returns the exit status (−1 when it
// could not start or died by a signal) and the stderr tail in *err_tail.
int run_process(const std::vector<std::string>& argv, const std::string& work_dir,
                const std::string& tag, std::string* err_tail);

// Runs one peer over every query file, k and thread count; returns its RESULT.json plus
// {"status": "ok"|"failed"|"skipped", "note": str}.
Json run_rag_peer(const PeerSpec& peer, const RagBenchOptions& options,
                  const std::vector<std::string>& query_files, const std::string& work_dir);

// One query's ranked hits: user doc id and score, best first.
struct RankedHit {
    std::string doc;
    float score = 0;
};
using HitLists = std::vector<std::vector<RankedHit>>;

// Reads a peer's hits TSV ("query_index<TAB>doc_id<TAB>score" in rank order); n_queries lists.
HitLists read_hits_tsv(const std::string& path, size_t n_queries);

// Equality of two ranked lists against the reference peer (bm25s): the peer's zero-score padding is
// dropped first. scores_equal: same length and every rank's score within rel_tol (ties at rank k
// legitimately give different doc sets with equal scores); sets_equal: same doc id sets.
struct HitsAgreement {
    bool scores_equal = false;
    bool sets_equal = false;
};
HitsAgreement compare_hits(const std::vector<RankedHit>& ours, std::vector<RankedHit> peer,
                           double rel_tol);

uint64_t peak_rss_bytes();  // this process's VmHWM (else getrusage's ru_maxrss)

}  // namespace mempipe::bench::rag_detail
