// A cursor into a parsed JSON document that knows its file and path, so that every validation
// error says where it happened and what was expected:
//   "hardware/devices/u55c.json: memory[1].bandwidth_bytes_per_s: expected a positive number".
// Numbers in profiles are sourced: {"value": <number>, "source": "<non-empty text>"}; reading one
// records it in a ConstantSource list.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mempipe/core/io.h"
#include "mempipe/node/hardware.h"

namespace mempipe::node_detail {

// Reads and parses a JSON file; runtime error naming the file (and line/column for syntax errors).
Json parse_json_file(const std::string& path);

enum class Range { Positive, NonNegative, Fraction };  // Fraction: (0, 1]

class JsonReader {
  public:
    JsonReader(const Json& j, std::string file, std::string path = "")
        : j_(&j), file_(std::move(file)), path_(std::move(path)) {}

    const std::string& path() const { return path_; }
    const std::string& file() const { return file_; }
    const Json& json() const { return *j_; }

    bool has(std::string_view key) const;
    JsonReader at(std::string_view key) const;  // required member of an object
    JsonReader at(size_t i) const;              // element of an array
    size_t array_size() const;                  // expects an array
    std::vector<std::string> keys() const;      // expects an object; in file order

    std::string string() const;  // expects a non-empty string
    // Expects {"value": number in `range`, "source": non-empty string}; records it in `log`.
    double sourced(Range range, std::vector<ConstantSource>& log) const;
    double number(Range range) const;  // a plain number (table entries)

    // Rejects members not in `allowed` (catches typos such as "bandwith").
    void allow_only(std::initializer_list<std::string_view> allowed) const;

    [[noreturn]] void fail(std::string_view what) const;  // "<file>: <path>: <what>"

  private:
    std::string child(std::string_view key) const;
    const Json* j_;
    std::string file_, path_;
};

std::string range_text(Range r);

}  // namespace mempipe::node_detail
