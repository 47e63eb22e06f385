# SPDX-License-Identifier: GPL-2.0
#
# kpath: load, drive, break and watch the Linux packet path.
#
#   make            kernel modules (build/kmod/RELEASE/), kpctl (build/bin/kpctl),
#                   selftests
#   make test       host unit tests, then every kselftest inside the QEMU VM on
#                   each kernel lane (KERNELS="6.1 debug 6.12" by default)
#   make demo       boot the VM, drive kp_loop with kpctl, show what happens
#   make lint       checkpatch --strict, sparse, W=1 (6.1 and 6.12 headers),
#                   clang-format, YNL spec
#   make bench      kp_loop vs veth / lo in one VM run -> build/bench/
#   make debug-kernel  build (once, cached) the KASAN/lockdep debug kernel
#
# Every target installs what it needs (Debian packages, the kernel images,
# QEMU 10 from bookworm-backports) on first use; see scripts/deps.
# KVER=6.1|6.12|debug picks the kernel the modules are built for;
# KDIR=/path builds them against another kernel build directory.

SHELL := /bin/bash
BUILD := $(CURDIR)/build
CMAKE_BUILD_TYPE ?= RelWithDebInfo
KDIR ?=
KVER ?= 6.1
KERNELS ?= 6.1 debug 6.12
KMOD_ARGS := KVER=$(KVER) $(if $(KDIR),KDIR=$(KDIR))

.PHONY: all deps modules user selftests test test-unit test-vm demo lint \
	bench debug-kernel clean help

all: modules user selftests

deps:
	@scripts/deps build

modules: deps
	@scripts/progress "building kernel modules"
	@$(MAKE) --no-print-directory -C kmod $(KMOD_ARGS)

user: deps
	@scripts/progress "building kpctl and libkpath"
	@cmake -S user -B $(BUILD)/user -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) \
		-DKPATH_WERROR=$(if $(filter true,$(CI)),ON,OFF) >/dev/null
	@cmake --build $(BUILD)/user -j2

selftests: deps
	@scripts/progress "building selftests"
	@$(MAKE) --no-print-directory -C selftests

test: test-unit test-vm

# A skipped test is not a passed one: ctest exits 0 on skips, so look.
test-unit: user
	@scripts/progress "host unit tests (GoogleTest)"
	@ctest --test-dir $(BUILD)/user --output-on-failure >$(BUILD)/user/ctest.log 2>&1; \
		rc=$$?; cat $(BUILD)/user/ctest.log; \
		if grep -q '(Skipped)' $(BUILD)/user/ctest.log; then \
			echo "host unit tests skipped (counted as failures)"; exit 1; fi; \
		exit $$rc

test-vm: user selftests
	@scripts/deps vm
	@$(MAKE) --no-print-directory -C selftests install >/dev/null
	@scripts/progress "kselftests in the VM on: $(KERNELS)"
	@scripts/test-vm $(KERNELS)

debug-kernel: deps
	@scripts/debug-kernel >/dev/null

demo: all
	@scripts/deps vm
	@scripts/vm-run --timeout 900 -- scripts/demo-guest

lint:
	@scripts/lint

bench: all
	@scripts/bench

clean:
	rm -rf $(BUILD)

help:
	@sed -n '3,19p' Makefile | sed 's/^# \{0,1\}//'
