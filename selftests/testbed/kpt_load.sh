#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run in the test VM by scripts/check-testbed: insmod the test bed's modules
# (selftests/testbed/kpt/*.ko) given as arguments, in that order, all in
# this one boot.  For each, a "kpath-test:" mark in the kernel log first
# (so scripts/vm-run names the module that was loading when a report
# starts), then one line on stdout:
#   kpt_load: kpt_NAME: insmod exit N, debug_locks A -> B
# debug_locks (from /proc/lockdep_stats) is 1 while lockdep still reports,
# 0 once a lockdep report or a KASAN report has switched it off, "-" on a
# kernel without lockdep.  Exits 0 when every insmod succeeded.

set -u

debug_locks() {
	local k v
	if [[ -r /proc/lockdep_stats ]]; then
		while read -r k v; do
			[[ "$k" == debug_locks: ]] && { echo "$v"; return; }
		done </proc/lockdep_stats
	fi
	echo -
}

rc=0
for ko in "$@"; do
	name=$(basename "$ko" .ko)
	echo "kpath-test: testbed: $name" >/dev/kmsg
	before=$(debug_locks)
	st=0
	insmod "$ko" || st=$?
	echo "kpt_load: $name: insmod exit $st, debug_locks $before -> $(debug_locks)"
	((st == 0)) || rc=1
done
exit "$rc"
