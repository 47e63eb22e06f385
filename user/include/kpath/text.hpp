// SPDX-License-Identifier: GPL-2.0
// Plain-text output helpers.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace kpath::text {

inline const char *on_off(bool b) {
    return b ? "on" : "off";
}

enum class Align { Left, Right };

// Column-aligned rows, e.g. a "name value" listing of counters.
class Table {
public:
    explicit Table(std::vector<Align> aligns) : aligns_(std::move(aligns)) {}

    void add_row(std::vector<std::string> cells);
    bool empty() const noexcept { return rows_.empty(); }
    // Every line starts with `indent` spaces; columns are separated by `gap`
    // spaces; trailing padding is not printed.
    void print(std::ostream &os, size_t indent = 0, size_t gap = 2) const;

private:
    std::vector<Align> aligns_;
    std::vector<std::vector<std::string>> rows_;
};

} // namespace kpath::text
