// Corpus, query and qrels readers: every format, malformed records (FILE:LINE messages, skip_bad),
// CRLF, blank lines, quoting, buffering across 1 MiB, auto-detection; Cranfield counts; progress
// bar.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "mempipe/core/error.h"
#include "mempipe/core/progress.h"
#include "mempipe/rag/corpus.h"
// The two halves of the BEIR line parser, for the differential test.
#include "../../src/rag/corpus/readers.h"

namespace mempipe::rag {
namespace {

namespace fs = std::filesystem;

const std::string kCran = std::string(MEMPIPE_TEST_DATA) + "/cranfield/";
const std::string kBeirMini = std::string(MEMPIPE_TEST_DATA) + "/../rag/data/beir_mini";

// A scratch directory, removed at the end of the test.
class TempDir {
  public:
    TempDir() {
        static std::atomic<int> counter{0};
        path_ =
            fs::path(::testing::TempDir()) /
            ("mempipe_corpus_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string write(const std::string& name, const std::string& content) const {
        const fs::path p = path_ / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        return p.string();
    }
    std::string path() const { return path_.string(); }

  private:
    fs::path path_;
};

std::vector<Document> read_all(const std::string& path, ReaderOptions o = {},
                               int64_t* skipped = nullptr, CorpusFormat* format = nullptr) {
    auto r = open_corpus(path, o);
    std::vector<Document> docs;
    Document d;
    while (r->next(d)) docs.push_back(d);
    if (skipped) *skipped = r->skipped();
    if (format) *format = r->format();
    return docs;
}

// Runs fn, expects an Error of `kind` whose message contains every piece.
template <class Fn>
void expect_error(Fn fn, ErrorKind kind, std::vector<std::string> pieces) {
    try {
        fn();
        ADD_FAILURE() << "expected an error containing " << pieces[0];
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        for (const auto& p : pieces)
            EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
                << "'" << e.what() << "' lacks '" << p << "'";
    }
}

TEST(CranfieldFiles, DocsQueriesQrels) {
    CorpusFormat format{};
    const auto docs = read_all(kCran + "cran.all.1400", {}, nullptr, &format);
    EXPECT_EQ(format, CorpusFormat::Cranfield);  // auto-detected from ".I "
    ASSERT_EQ(docs.size(), 1400u);
    EXPECT_EQ(docs[0].id, "1");
    EXPECT_EQ(docs[1399].id, "1400");
    EXPECT_EQ(docs[0].title.rfind("experimental investigation of the aerodynamics of a", 0), 0u);
    // text = .T + " " + .W
    EXPECT_EQ(docs[0].text.rfind(docs[0].title + " experimental investigation", 0), 0u);
    EXPECT_NE(docs[0].text.find("slipstream"), std::string::npos);
    EXPECT_EQ(docs[0].text.find('\r'), std::string::npos);  // CRLF file

    const auto queries = read_queries(kCran + "cran.qry");
    ASSERT_EQ(queries.size(), 225u);
    EXPECT_EQ(queries[0].id, "1");
    EXPECT_EQ(queries[2].id, "3");  // the third query is ".I 004": ids are ordinals
    EXPECT_EQ(queries[2].text.rfind("what problems of heat conduction in composite slabs", 0), 0u);
    EXPECT_EQ(queries[224].id, "225");

    const Qrels qrels = read_qrels(kCran + "cranqrel");
    // cranqrel has 1836 lines: 224 with code -1 (dropped) and 1612 with codes 1..4, one per
    // (query, doc), covering all 225 queries; gain = 5 - code.
    EXPECT_EQ(qrels.size(), 225u);
    size_t judgements = 0;
    std::map<int, int> by_gain;
    for (const auto& [q, docs_rel] : qrels)
        for (const auto& [d, g] : docs_rel) ++judgements, ++by_gain[g];
    EXPECT_EQ(judgements, 1612u);
    EXPECT_EQ(by_gain, (std::map<int, int>{{1, 363}, {2, 734}, {3, 387}, {4, 128}}));
    EXPECT_EQ(qrels.at("1").at("184"), 3);  // "1 184 2"
}

TEST(Beir, FieldsTitlesIdsAndBlankLines) {
    TempDir dir;
    const std::string path = dir.write(
        "c.jsonl",
        "{\"_id\": \"d1\", \"title\": \"Title\", \"text\": \"body one\"}\r\n"
        "\n"
        "   \n"
        "{\"_id\": 42, \"text\": \"no title\", \"metadata\": {}}\n"
        "{\"_id\": \"d3\", \"title\": null, \"text\": \"caf\\u00e9 \\\"q\\\"\"}\n"
        "{\"_id\": \"d4\", \"title\": \"\", \"text\": \"\"}\n"
        "{\"id\": \"d5\", \"text\": \"raw \xff\xfe bytes \xc3\xa9\"}");  // no final newline
    CorpusFormat format{};
    const auto docs = read_all(path, {}, nullptr, &format);
    EXPECT_EQ(format, CorpusFormat::Beir);
    ASSERT_EQ(docs.size(), 5u);
    EXPECT_EQ(docs[0].id, "d1");
    EXPECT_EQ(docs[0].title, "Title");
    EXPECT_EQ(docs[0].text, "Title body one");
    EXPECT_EQ(docs[1].id, "42");
    EXPECT_EQ(docs[1].text, "no title");
    EXPECT_EQ(docs[2].text, "caf\xc3\xa9 \"q\"");
    EXPECT_EQ(docs[3].text, "");
    EXPECT_EQ(docs[4].id, "d5");
    EXPECT_EQ(docs[4].text, "raw \xff\xfe bytes \xc3\xa9");  // ill-formed UTF-8 kept as is
}

TEST(Beir, MalformedLinesNameFileAndLine) {
    TempDir dir;
    const std::string good = "{\"_id\": \"a\", \"text\": \"x\"}\n";
    const struct {
        std::string line, message;
    } cases[] = {
        {"not json at all", "not JSON"},
        {"[1, 2]", "expected an object"},
        {"{\"_id\": \"b\"}", "no \"text\" field"},
        {"{\"_id\": \"b\", \"text\": 5}", "\"text\" is a JSON number"},
        {"{\"text\": \"t\"}", "no \"_id\" field"},
        {"{\"_id\": 1.5, \"text\": \"t\"}", "\"_id\" is a JSON number"},
        {"{\"_id\": \"b\", \"title\": [], \"text\": \"t\"}", "\"title\" is a JSON array"},
        {"{\"_id\": \"b\", \"text\": \"unterminated}", "not JSON"},
    };
    for (const auto& c : cases) {
        const std::string path = dir.write("bad.jsonl", good + "\n" + c.line + "\n" + good);
        expect_error([&] { read_all(path); }, ErrorKind::Runtime, {path + ":3: ", c.message});
        // The same through next_batch (parallel parse).
        expect_error(
            [&] {
                auto r = open_corpus(path, {});
                std::vector<Document> batch;
                while (r->next_batch(batch, 100) > 0) {
                }
            },
            ErrorKind::Runtime, {path + ":3: ", c.message});
        ReaderOptions skip;
        skip.skip_bad = true;
        int64_t skipped = 0;
        const auto docs = read_all(path, skip, &skipped);
        EXPECT_EQ(docs.size(), 2u);
        EXPECT_EQ(skipped, 1);
    }
}

std::string big_beir(const TempDir& dir, int n, bool with_bad) {
    std::string s;
    for (int i = 0; i < n; ++i) {
        if (with_bad && i % 97 == 13)
            s += "{\"_id\": \"bad\"}\n";
        else if (i % 50 == 0)
            s += "\n";
        else
            s += "{\"_id\": \"d" + std::to_string(i) + "\", \"title\": \"t" +
                 std::to_string(i % 7) + "\", \"text\": \"word" + std::to_string(i) +
                 " more text\"}\n";
    }
    return dir.write("big.jsonl", s);
}

// The fast JSON path must agree with nlohmann on every line it accepts, and accept plain lines.
TEST(Beir, FastPathAgreesWithNlohmann) {
    const std::vector<std::string> keys = {
        "\"_id\"", "\"id\"", "\"title\"", "\"text\"", "\"metadata\"", "\"te\\u0078t\"", "\"\""};
    const std::vector<std::string> values = {"\"plain\"",
                                             "\"esc \\\" \\\\ \\/ \\b\\f\\n\\r\\t\"",
                                             "\"\\u00e9\\u4e2d\"",
                                             "\"\\ud83d\\ude00\"",
                                             "\"\\ud800\"",
                                             "\"\\udc00x\"",
                                             "\"\\u0000\"",
                                             "\"caf\xc3\xa9\"",
                                             "\"bad \xff\xc3 bytes\"",
                                             "\"ctl \x01\"",
                                             "0",
                                             "7",
                                             "007",
                                             "-3",
                                             "-0",
                                             "1e5",
                                             "1.5",
                                             "12345678901234567890",
                                             "123456789012345678",
                                             "null",
                                             "true",
                                             "false",
                                             "[]",
                                             "{}",
                                             "[1, {\"b\": [null, -2.5e-3]}]",
                                             "{\"a\": {\"b\": {\"c\": \"d\"}}}",
                                             "\"\"",
                                             "tru",
                                             "[1,]"};
    std::mt19937_64 rng(5);
    int accepted = 0, plain_accepted = 0, plain = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        std::string line = rng() % 8 ? "{" : " { ";
        const int n = static_cast<int>(rng() % 5);
        const bool is_plain = iter % 4 == 0;
        if (is_plain) {
            line += "\"_id\": " + values[rng() % 2 ? 0 : 11] + ", \"title\": " + values[rng() % 4] +
                    ", \"text\": " + values[rng() % 4 == 0 ? 7 : 2];
        } else {
            std::vector<std::string> fields;
            for (int i = 0; i < n; ++i)
                fields.push_back(keys[rng() % keys.size()] + (rng() % 6 ? ": " : ":") +
                                 values[rng() % values.size()]);
            if (rng() % 4) {  // mostly with an id and a text, of any value
                fields.push_back("\"_id\": " +
                                 values[rng() % 2 ? rng() % 4 : rng() % values.size()]);
                fields.push_back("\"text\": " +
                                 values[rng() % 2 ? rng() % 9 : rng() % values.size()]);
            }
            std::shuffle(fields.begin(), fields.end(), rng);
            for (size_t i = 0; i < fields.size(); ++i)
                line += (i ? (rng() % 10 ? ", " : ",") : "") + fields[i];
        }
        line += rng() % 8 ? "}" : "} \r";
        if (!is_plain && rng() % 3 == 0) {  // mutate a byte
            const size_t at = rng() % line.size();
            const int op = static_cast<int>(rng() % 3);
            if (op == 0)
                line.erase(at, 1);
            else if (op == 1)
                line.insert(at, 1, "{}[],:\"\\ 0a\xff"[rng() % 12]);
            else
                line[at] = static_cast<char>(rng() % 256);
        }
        Document fast, slow;
        const bool ok = corpus::parse_beir_line_fast(line, fast);
        const std::string err = corpus::parse_beir_line_json(line, slow);
        if (is_plain) ++plain, plain_accepted += ok;
        if (!ok) continue;  // nlohmann decides (the fast path gives up on unusual lines)
        ++accepted;
        ASSERT_EQ(err, "") << line;
        ASSERT_EQ(fast.id, slow.id) << line;
        ASSERT_EQ(fast.title, slow.title) << line;
        ASSERT_EQ(fast.text, slow.text) << line;
    }
    EXPECT_EQ(plain_accepted, plain);
    EXPECT_GT(accepted, plain + 1000);  // the fuzzed lines exercise the fast path too
}

TEST(Beir, NextBatchEqualsNext) {
    TempDir dir;
    const std::string path = big_beir(dir, 5000, true);
    ReaderOptions o;
    o.skip_bad = true;
    int64_t skipped_seq = 0;
    const auto expected = read_all(path, o, &skipped_seq);
    EXPECT_EQ(skipped_seq, 52);  // i % 97 == 13 for i < 5000
    for (size_t batch_size : {size_t(1), size_t(7), size_t(1000), size_t(100000)}) {
        auto r = open_corpus(path, o);
        std::vector<Document> batch, all;
        while (r->next_batch(batch, batch_size) > 0) {
            ASSERT_LE(batch.size(), batch_size);
            all.insert(all.end(), batch.begin(), batch.end());
        }
        EXPECT_EQ(r->next_batch(batch, batch_size), 0u);
        EXPECT_EQ(r->skipped(), skipped_seq);
        ASSERT_EQ(all.size(), expected.size());
        for (size_t i = 0; i < all.size(); ++i) {
            EXPECT_EQ(all[i].id, expected[i].id);
            EXPECT_EQ(all[i].text, expected[i].text);
        }
    }
}

TEST(Beir, DirectoryWithQueriesAndQrels) {
    CorpusFormat format{};
    const auto docs = read_all(kBeirMini, {}, nullptr, &format);
    EXPECT_EQ(format, CorpusFormat::Beir);
    ASSERT_EQ(docs.size(), 6u);
    EXPECT_EQ(docs[0].id, "doc0");
    const auto queries = read_queries(kBeirMini);
    ASSERT_EQ(queries.size(), 3u);
    EXPECT_EQ(queries[0].id, "q1");
    const Qrels qrels = read_qrels(kBeirMini);
    ASSERT_EQ(qrels.size(), 3u);
    EXPECT_EQ(qrels.at("q1").size(), 2u);
    EXPECT_EQ(qrels.at("q3").at("doc5"), 2);
}

TEST(Dpr, QuotedFieldsHeaderCrlf) {
    TempDir dir;
    const std::string path = dir.write("p.tsv",
                                       "id\ttext\ttitle\r\n"
                                       "1\tplain text\tSome Title\r\n"
                                       "2\t\"tab\tinside \"\"quoted\"\"\"\t\r\n"
                                       "\n"
                                       "3\t\"two\r\nlines\"\t\"T\"\n"
                                       "4\t\t\n"
                                       "5\tlast\tno newline");
    CorpusFormat format{};
    const auto docs = read_all(path, {}, nullptr, &format);
    EXPECT_EQ(format, CorpusFormat::Dpr);
    ASSERT_EQ(docs.size(), 5u);
    EXPECT_EQ(docs[0].id, "1");
    EXPECT_EQ(docs[0].title, "Some Title");
    EXPECT_EQ(docs[0].text, "Some Title plain text");
    EXPECT_EQ(docs[1].text, "tab\tinside \"quoted\"");
    EXPECT_EQ(docs[1].title, "");
    EXPECT_EQ(docs[2].text, "T two\nlines");
    EXPECT_EQ(docs[3].text, "");
    EXPECT_EQ(docs[4].text, "no newline last");
}

TEST(Dpr, WrongColumnCount) {
    TempDir dir;
    const std::string path = dir.write("p.tsv", "1\ta\tb\n2\tonly two\n3\tc\td\te\n4\tf\tg\n");
    expect_error([&] { read_all(path); }, ErrorKind::Runtime,
                 {path + ":2: ", "expected 3 tab-separated columns", "found 2"});
    ReaderOptions skip;
    skip.skip_bad = true;
    int64_t skipped = 0;
    const auto docs = read_all(path, skip, &skipped);
    EXPECT_EQ(skipped, 2);
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[1].id, "4");
}

TEST(Lines, IdsAreLineNumbersAndLongLinesSpanBuffers) {
    TempDir dir;
    const std::string long_line(3 << 20, 'x');  // 3 MiB: crosses the 1 MiB read buffer
    const std::string path = dir.write("l.txt", "first\r\n\nthird\n" + long_line + "\nlast");
    CorpusFormat format{};
    const auto docs = read_all(path, {}, nullptr, &format);
    EXPECT_EQ(format, CorpusFormat::Lines);
    ASSERT_EQ(docs.size(), 5u);
    EXPECT_EQ(docs[0].id, "0");
    EXPECT_EQ(docs[0].text, "first");
    EXPECT_EQ(docs[1].text, "");  // an empty line is an empty document: ids stay line numbers
    EXPECT_EQ(docs[2].id, "2");
    EXPECT_EQ(docs[3].text, long_line);
    EXPECT_EQ(docs[4].id, "4");
    EXPECT_EQ(docs[4].text, "last");
    EXPECT_TRUE(read_all(dir.write("empty.txt", "")).empty());
    EXPECT_EQ(read_all(dir.write("one.txt", "one\n")).size(), 1u);
}

TEST(Files, SortedRelativePaths) {
    TempDir dir;
    dir.write("b.txt", "bee");
    dir.write("a/z.txt", "zed");
    dir.write("a/b/c.txt", "see");
    dir.write("A.txt", "upper");
    CorpusFormat format{};
    auto r = open_corpus(dir.path(), {});
    EXPECT_EQ(r->format(), CorpusFormat::Files);
    EXPECT_EQ(r->bytes_total(), 14u);
    const auto docs = read_all(dir.path(), {}, nullptr, &format);
    ASSERT_EQ(docs.size(), 4u);
    EXPECT_EQ(docs[0].id, "A.txt");
    EXPECT_EQ(docs[1].id, "a/b/c.txt");
    EXPECT_EQ(docs[1].text, "see");
    EXPECT_EQ(docs[2].id, "a/z.txt");
    EXPECT_EQ(docs[3].id, "b.txt");
}

TEST(OpenCorpus, FormatsAndErrors) {
    TempDir dir;
    EXPECT_EQ(parse_corpus_format("beir"), CorpusFormat::Beir);
    EXPECT_EQ(parse_corpus_format("cranfield"), CorpusFormat::Cranfield);
    for (auto f : {CorpusFormat::Auto, CorpusFormat::Beir, CorpusFormat::Dpr, CorpusFormat::Lines,
                   CorpusFormat::Files, CorpusFormat::Cranfield, CorpusFormat::Synthetic})
        EXPECT_EQ(parse_corpus_format(corpus_format_name(f)), f);
    expect_error([] { parse_corpus_format("csv"); }, ErrorKind::Usage, {"'csv'", "beir, dpr"});
    // A missing input is an I/O failure (exit code 1), not a usage error.
    expect_error([&] { open_corpus(dir.path() + "/missing.jsonl", {}); }, ErrorKind::Runtime,
                 {"missing.jsonl' does not exist"});
    expect_error([&] { read_queries(dir.path() + "/missing.tsv"); }, ErrorKind::Runtime,
                 {"does not exist"});
    expect_error([&] { read_qrels(dir.path() + "/missing.tsv"); }, ErrorKind::Runtime,
                 {"does not exist"});
    // Forced formats win over the name; a SMART file is found by content.
    const std::string smart = dir.write("x.txt", ".I 7\n.T\ntitle\n.W\nbody\n");
    CorpusFormat format{};
    auto docs = read_all(smart, {}, nullptr, &format);
    EXPECT_EQ(format, CorpusFormat::Cranfield);
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_EQ(docs[0].id, "7");
    EXPECT_EQ(docs[0].text, "title body");
    ReaderOptions lines;
    lines.format = CorpusFormat::Lines;
    EXPECT_EQ(read_all(smart, lines).size(), 5u);
    ReaderOptions files;
    files.format = CorpusFormat::Files;
    expect_error([&] { open_corpus(smart, files); }, ErrorKind::Usage, {"needs a directory"});
    ReaderOptions beir;
    beir.format = CorpusFormat::Beir;
    expect_error([&] { read_all(smart, beir); }, ErrorKind::Runtime, {smart + ":1: ", "not JSON"});
    // Text before the first .I of a SMART file.
    const std::string bad_smart = dir.write("bad.txt", "junk\n.I 1\n.W\nx\n");
    ReaderOptions cran;
    cran.format = CorpusFormat::Cranfield;
    expect_error([&] { read_all(bad_smart, cran); }, ErrorKind::Runtime,
                 {bad_smart + ":1: ", ".I"});
}

TEST(OpenCorpus, Synthetic) {
    auto r = open_corpus("synthetic:5:3", {});
    EXPECT_EQ(r->format(), CorpusFormat::Synthetic);
    Document d;
    int n = 0;
    while (r->next(d)) ++n;
    EXPECT_EQ(n, 5);
}

TEST(Queries, Formats) {
    TempDir dir;
    const auto tsv =
        read_queries(dir.write("q.tsv", "query-id\ttext\r\nq1\tfirst query\nq2\t\"a\tb\"\n"));
    ASSERT_EQ(tsv.size(), 2u);
    EXPECT_EQ(tsv[0].id, "q1");
    EXPECT_EQ(tsv[0].text, "first query");
    EXPECT_EQ(tsv[1].text, "a\tb");
    const auto lines = read_queries(dir.write("q.txt", "alpha beta\n\ngamma\r\n"));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].id, "1");
    EXPECT_EQ(lines[1].id, "3");  // 1-based physical line numbers; blank lines are not queries
    EXPECT_EQ(lines[1].text, "gamma");
    const auto jsonl = read_queries(dir.write("q.jsonl", "{\"_id\": 5, \"text\": \"five\"}\n"));
    ASSERT_EQ(jsonl.size(), 1u);
    EXPECT_EQ(jsonl[0].id, "5");
    EXPECT_EQ(jsonl[0].text, "five");
    const std::string bad = dir.write("bad.tsv", "q1\tok\nq2\n");
    expect_error([&] { read_queries(bad); }, ErrorKind::Runtime, {bad + ":2: ", "2 tab-separated"});
    ReaderOptions skip;
    skip.skip_bad = true;
    EXPECT_EQ(read_queries(bad, skip).size(), 1u);
    ReaderOptions files;
    files.format = CorpusFormat::Files;
    expect_error([&] { read_queries(bad, files); }, ErrorKind::Usage, {"cannot be read as files"});
}

TEST(Qrels, Formats) {
    TempDir dir;
    const Qrels beir = read_qrels(
        dir.write("test.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\nq2\td 3\t2\n"));
    EXPECT_EQ(beir, (Qrels{{"q1", {{"d1", 1}}}, {"q2", {{"d 3", 2}}}}));
    const Qrels trec = read_qrels(dir.write("t.qrels", "1 0 doc1 1\n1 0 doc2 -1\n2 Q0 doc9 3\n"));
    EXPECT_EQ(trec, (Qrels{{"1", {{"doc1", 1}}}, {"2", {{"doc9", 3}}}}));
    // Plain "q d rel"; a repeated judgement keeps the highest grade.
    const Qrels plain = read_qrels(dir.write("p.txt", "1 d1 2\n1 d1 1\n1 d2 0\n"));
    EXPECT_EQ(plain, (Qrels{{"1", {{"d1", 2}}}}));
    // The same lines read as Cranfield codes: 1 → 4, 2 → 3, code ≤ 0 dropped.
    const Qrels cran = read_qrels(dir.write("cranqrel_x", "1 d1 1\n1 d2 2 \r\n1 d3 -1\n"));
    EXPECT_EQ(cran, (Qrels{{"1", {{"d1", 4}, {"d2", 3}}}}));
    EXPECT_EQ(read_qrels(dir.path() + "/p.txt", QrelsFormat::Cranfield),
              (Qrels{{"1", {{"d1", 4}}}}));  // codes 2 then 1: gains 3 and 4, max 4
    const std::string bad = dir.write("bad.txt", "1 d1 1\n1 d2 x\n");
    expect_error([&] { read_qrels(bad); }, ErrorKind::Runtime,
                 {bad + ":2: ", "'x' is not an integer"});
    const std::string cols = dir.write("cols.txt", "1 d1 1\n1 d2\n");
    expect_error([&] { read_qrels(cols); }, ErrorKind::Runtime,
                 {cols + ":2: ", "expected 3 columns"});
    expect_error([&] { read_qrels(dir.write("five.txt", "a b c d e\n")); }, ErrorKind::Runtime,
                 {"cannot tell the qrels format"});
    EXPECT_TRUE(read_qrels(dir.write("empty.tsv", "")).empty());
    // A UTF-8 byte-order mark at the start of a file is not part of the first field.
    EXPECT_EQ(read_qrels(dir.write("bom.tsv", "\xEF\xBB\xBFq1\td1\t1\n")),
              (Qrels{{"q1", {{"d1", 1}}}}));
    const auto bom_docs =
        read_all(dir.write("bom.jsonl", "\xEF\xBB\xBF{\"_id\": \"a\", \"text\": \"t\"}\n"));
    ASSERT_EQ(bom_docs.size(), 1u);
    EXPECT_EQ(bom_docs[0].id, "a");
}

TEST(ProgressBar, RenderAndOutput) {
    ProgressBar bytes("reading", 1000000, false, ProgressUnit::Bytes);
    EXPECT_EQ(bytes.render(500000, 2.0), "reading:  50.0% 500.0 kB/1.0 MB (250.0 kB/s, ETA 0:02)");
    ProgressBar items("docs", 0, false);
    EXPECT_EQ(items.render(1234, 1.0), "docs: 1234 (1234 /s, 0:01)");
    ProgressBar over("x", 10, false);
    EXPECT_EQ(over.render(20, 1.0).rfind("x: 100.0%", 0), 0u);

    ::testing::internal::CaptureStderr();
    {
        ProgressBar off("off", 10, false);
        off.update(5);
        off.finish();
    }
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");

    ::testing::internal::CaptureStderr();
    {
        ProgressBar on("on", 4000, true);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&on, t] {
                for (int i = 0; i < 1000; ++i) on.update(static_cast<uint64_t>(t * 1000 + i));
            });
        for (auto& t : threads) t.join();
        on.update(4000);
        on.finish();
        on.finish();  // once only
    }
    const std::string out = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(out.find("on: 100.0% 4000/4000"), std::string::npos) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

}  // namespace
}  // namespace mempipe::rag
