#include "node/json_reader.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "mempipe/core/error.h"

namespace mempipe::node_detail {

Json parse_json_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) runtime_error("{}: cannot open the file (missing or unreadable)", path);
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return Json::parse(ss.str());
    } catch (const Json::parse_error& e) {
        // e.what() = "[json.exception.parse_error.101] parse error at line 3, column 5: …"
        std::string what = e.what();
        if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
        runtime_error("{}: invalid JSON: {}", path, what);
    }
}

std::string range_text(Range r) {
    switch (r) {
        case Range::Positive:
            return "a positive number";
        case Range::NonNegative:
            return "a number >= 0";
        case Range::Fraction:
            return "a fraction in (0, 1]";
    }
    return "a number";
}

void JsonReader::fail(std::string_view what) const {
    if (path_.empty()) runtime_error("{}: {}", file_, what);
    runtime_error("{}: {}: {}", file_, path_, what);
}

std::string JsonReader::child(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool JsonReader::has(std::string_view key) const {
    return j_->is_object() && j_->contains(std::string(key));
}

JsonReader JsonReader::at(std::string_view key) const {
    if (!j_->is_object()) fail("expected an object");
    auto it = j_->find(std::string(key));
    if (it == j_->end()) {
        JsonReader missing(*j_, file_, child(key));
        missing.fail("missing (required)");
    }
    return JsonReader(*it, file_, child(key));
}

JsonReader JsonReader::at(size_t i) const {
    if (!j_->is_array()) fail("expected an array");
    if (i >= j_->size()) fail("index out of range");
    return JsonReader((*j_)[i], file_, path_ + "[" + std::to_string(i) + "]");
}

size_t JsonReader::array_size() const {
    if (!j_->is_array()) fail("expected an array");
    return j_->size();
}

std::vector<std::string> JsonReader::keys() const {
    if (!j_->is_object()) fail("expected an object");
    std::vector<std::string> out;
    for (auto it = j_->begin(); it != j_->end(); ++it) out.push_back(it.key());
    return out;
}

std::string JsonReader::string() const {
    if (!j_->is_string() || j_->get<std::string>().empty()) fail("expected a non-empty string");
    return j_->get<std::string>();
}

namespace {
// Checks that `j` is a number in `range`; errors are reported at `where`.
double checked_number(const Json& j, Range range, const JsonReader& where) {
    if (!j.is_number()) where.fail("expected " + range_text(range) + ", got " + j.dump());
    const double v = j.get<double>();
    const bool ok = std::isfinite(v) && (range == Range::NonNegative ? v >= 0 : v > 0) &&
                    (range != Range::Fraction || v <= 1);
    if (!ok) where.fail("expected " + range_text(range) + ", got " + j.dump());
    return v;
}
}  // namespace

double JsonReader::number(Range range) const {
    return checked_number(*j_, range, *this);
}

double JsonReader::sourced(Range range, std::vector<ConstantSource>& log) const {
    if (j_->is_number())
        fail("missing \"source\": write {\"value\": " + j_->dump() +
             ", \"source\": \"<datasheet, paper section, memory_fpga.md section or "
             "'measured: <command>'>\"}");
    if (!j_->is_object())
        fail("expected {\"value\": " + range_text(range) + ", \"source\": \"…\"}");
    allow_only({"value", "source"});
    if (!has("source"))
        fail(
            "missing \"source\": every number needs one (datasheet, paper section, "
            "memory_fpga.md section or 'measured: <command>')");
    std::string src = at("source").string();
    if (!has("value")) fail("missing \"value\"");
    double v = checked_number((*j_)["value"], range, *this);
    log.push_back({path_, v, std::move(src)});
    return v;
}

void JsonReader::allow_only(std::initializer_list<std::string_view> allowed) const {
    if (!j_->is_object()) fail("expected an object");
    for (auto it = j_->begin(); it != j_->end(); ++it) {
        bool ok = false;
        for (std::string_view a : allowed) ok = ok || it.key() == a;
        if (!ok) {
            std::string list;
            for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            JsonReader(*it, file_, child(it.key())).fail("unknown field; expected one of: " + list);
        }
    }
}

}  // namespace mempipe::node_detail
