// SPDX-License-Identifier: GPL-2.0
// kpctl run in this process, as the tests drive it: exit status, stdout and
// stderr.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace kpctl_test {

struct Result {
    int rc;
    std::string out;
    std::string err;
};

// args: the words after "kpctl".
inline Result kpctl_run(std::vector<const char *> args) {
    args.insert(args.begin(), "kpctl");
    std::ostringstream out, err;
    const int rc = kpctl::run(static_cast<int>(args.size()), args.data(), out, err);
    return {rc, out.str(), err.str()};
}

inline std::string first_line(const std::string &s) {
    return s.substr(0, s.find('\n'));
}

} // namespace kpctl_test
