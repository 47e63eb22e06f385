# SPDX-License-Identifier: GPL-2.0
#
# kpath: load, drive, break and watch the Linux packet path.
#
#   make            kernel modules (kmod/), kpctl (build/bin/kpctl), selftests
#   make test       host unit tests, then every kselftest inside the QEMU VM
#   make demo       boot the VM, drive kp_loop with kpctl, show what happens
#   make lint       checkpatch --strict, sparse, W=1, clang-format, YNL spec
#   make bench      kp_loop vs veth / lo in one VM run -> build/bench/
#
# Every target installs what it needs (Debian packages, the kernel image)
# on first use; see scripts/deps.  KDIR=/path builds the modules against
# another kernel build directory.

SHELL := /bin/bash
BUILD := $(CURDIR)/build
CMAKE_BUILD_TYPE ?= RelWithDebInfo
KDIR ?=
KMOD_ARGS := $(if $(KDIR),KDIR=$(KDIR))

.PHONY: all deps modules user selftests test test-unit test-vm demo lint \
	bench clean help

all: modules user selftests

deps:
	@scripts/deps build

modules: deps
	@scripts/progress "building kernel modules"
	@$(MAKE) --no-print-directory -C kmod $(KMOD_ARGS)

user: deps
	@scripts/progress "building kpctl and libkpath"
	@cmake -S user -B $(BUILD)/user -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD)/user -j2

selftests: deps
	@scripts/progress "building selftests"
	@$(MAKE) --no-print-directory -C selftests

test: test-unit test-vm

test-unit: user
	@scripts/progress "host unit tests (GoogleTest)"
	@ctest --test-dir $(BUILD)/user --output-on-failure

test-vm: all
	@scripts/deps vm
	@$(MAKE) --no-print-directory -C selftests install >/dev/null
	@scripts/progress "kselftests in the VM"
	@scripts/vm-run --timeout 3000 -- scripts/run-kselftests

demo: all
	@scripts/deps vm
	@scripts/vm-run --timeout 900 -- scripts/demo-guest

lint:
	@scripts/lint

bench: all
	@scripts/bench

clean:
	-@$(MAKE) --no-print-directory -C kmod clean >/dev/null 2>&1
	rm -rf $(BUILD)

help:
	@sed -n '3,14p' Makefile | sed 's/^# \{0,1\}//'
