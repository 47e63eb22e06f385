// SPDX-License-Identifier: GPL-2.0
#include "kpath/text.hpp"

#include <algorithm>

namespace kpath::text {

void Table::add_row(std::vector<std::string> cells) {
    rows_.push_back(std::move(cells));
}

void Table::print(std::ostream &os, size_t indent, size_t gap) const {
    std::vector<size_t> width;
    for (const auto &row : rows_) {
        if (width.size() < row.size())
            width.resize(row.size(), 0);
        for (size_t i = 0; i < row.size(); i++)
            width[i] = std::max(width[i], row[i].size());
    }
    for (const auto &row : rows_) {
        std::string line(indent, ' ');
        for (size_t i = 0; i < row.size(); i++) {
            const Align a = i < aligns_.size() ? aligns_[i] : Align::Left;
            const std::string pad(width[i] - row[i].size(), ' ');
            if (i)
                line.append(gap, ' ');
            if (a == Align::Right)
                line += pad + row[i];
            else if (i + 1 < row.size())
                line += row[i] + pad;
            else
                line += row[i];
        }
        os << line << '\n';
    }
}

} // namespace kpath::text
