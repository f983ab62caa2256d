// mempipe embed: texts (a corpus or a queries file) → embeddings (.npy) with a BERT-family
// sentence-transformers model directory (model/text_embedder.h), for `mempipe rag dense/hybrid`.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands/commands.h"
#include "mempipe/core/error.h"
#include "mempipe/core/io.h"
#include "mempipe/core/timer.h"
#include "mempipe/model/text_embedder.h"
#include "mempipe/rag/corpus.h"

namespace mempipe::cli {
namespace {

struct EmbedArgs {
    std::string model, input, output, ids_out, format = "auto", weights = "bf16", prefix;
    bool queries = false, quiet = false;
    int64_t max_len = 0, group = -1;
    int threads = 0;
};

LinearFormat parse_weights(const std::string& s) {
    if (s == "bf16") return LinearFormat::Bf16;
    if (s == "int8") return LinearFormat::Int8;
    if (s == "int4") return LinearFormat::Int4;
    usage_error("--weights must be bf16, int8 or int4, got '{}'", s);
}

}  // namespace

void add_embed_command(CLI::App& app) {
    auto a = std::make_shared<EmbedArgs>();
    auto* cmd = app.add_subcommand(
        "embed",
        "Embed a corpus or a queries file with a BERT-family embedding model directory "
        "(config.json, model.safetensors, vocab.txt; e.g. from scripts/extract_minilm.py)\n"
        "  example: mempipe embed out/models/all-minilm-l6-v2 cran.all.1400 -o docs.npy "
        "--ids-out doc_ids.txt");
    cmd->add_option("model", a->model, "Model directory")->required();
    cmd->add_option("input", a->input,
                    "Corpus (any mempipe rag format) or, with --queries, a "
                    "queries file")
        ->required();
    cmd->add_option("--output,-o", a->output, "Embeddings .npy [n × d] f32")->required();
    cmd->add_option("--ids-out", a->ids_out, "Write the row ids, one per line");
    cmd->add_flag("--queries", a->queries, "The input is a queries file (rag search's formats)");
    cmd->add_option("--format", a->format, "Corpus format (auto|beir|dpr|lines|files|cranfield)")
        ->capture_default_str();
    cmd->add_option("--prefix", a->prefix, "Text put before every input (a query instruction)");
    cmd->add_option("--weights", a->weights, "Linear weights: bf16|int8|int4")
        ->capture_default_str();
    cmd->add_option("--group", a->group, "Quantisation group (int8: 0/32/64/128, int4: 32/64/128)");
    cmd->add_option("--max-len", a->max_len, "Tokens per text incl. [CLS]/[SEP] (0 = the model's)")
        ->capture_default_str();
    cmd->add_option("--threads,-t", a->threads, "Threads (0 = all cores)")->capture_default_str();
    cmd->add_flag("--quiet,-q", a->quiet, "No summary on stderr");
    cmd->callback([a] {
        apply_threads(a->threads);
        model::TextEmbedderOptions o;
        o.format = parse_weights(a->weights);
        o.group = a->group >= 0 ? a->group : model::default_linear_group(o.format);
        o.max_len = a->max_len;
        const model::TextEmbedder te = model::TextEmbedder::load(a->model, o);
        std::vector<std::string> ids, texts;
        rag::ReaderOptions ro;
        ro.format = rag::parse_corpus_format(a->format);
        if (a->queries) {
            for (const rag::Query& q : rag::read_queries(a->input, ro)) {
                ids.push_back(q.id);
                texts.push_back(a->prefix + q.text);
            }
        } else {
            auto reader = rag::open_corpus(a->input, ro);
            rag::Document doc;
            while (reader->next(doc)) {
                ids.push_back(doc.id);
                texts.push_back(a->prefix + doc.text);
            }
        }
        std::vector<float> out(texts.size() * size_t(te.dim()));
        Timer t;
        te.embed(texts, out.data());
        const double secs = t.seconds();
        write_npy(a->output, DType::F32, {int64_t(texts.size()), te.dim()}, out.data());
        if (!a->ids_out.empty()) {
            std::string text;
            for (const std::string& id : ids) text += id + "\n";
            write_text_atomic(a->ids_out, text);
        }
        if (!a->quiet)
            std::cerr << fmt::format("{} texts → {} × {} ({}, {} pooling{}) in {:.2f} s\n",
                                     texts.size(), texts.size(), te.dim(),
                                     linear_format_name(o.format),
                                     te.pooling() == model::Pooling::Mean ? "mean" : "cls",
                                     te.normalize() ? ", normalised" : "", secs);
    });
}

}  // namespace mempipe::cli
