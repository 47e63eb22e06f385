// SPDX-License-Identifier: GPL-2.0
// kpctl: configure and observe kpath devices (kp_loop, ...), iproute2 style.
#include <iostream>

#include "cli.hpp"

int main(int argc, char *argv[]) {
    return kpctl::run(argc, argv, std::cout, std::cerr);
}
