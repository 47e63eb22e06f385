// SPDX-License-Identifier: GPL-2.0
// kpctl: the whole program for main.cpp and the unit tests. Each object has
// its own header (loop.hpp, dgram.hpp, nic.hpp, monitor.hpp) and an entry in
// cli.cpp's table.
#pragma once

#include <ostream>

#include "common.hpp"
#include "dgram.hpp"
#include "loop.hpp"
#include "monitor.hpp"
#include "nic.hpp"

namespace kpctl {

extern const char *const main_usage;

// The whole program: argv[0] is skipped. Returns the exit status.
int run(int argc, const char *const argv[], std::ostream &out, std::ostream &err);

} // namespace kpctl
