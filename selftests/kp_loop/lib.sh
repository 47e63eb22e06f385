#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the kp_loop kselftests.  Source it, then:
#
#   kp_setup                      # load kp_loop, set the cleanup trap
#   kp_plan 3                     # KTAP header and plan
#   kp_run "pair ping" test_ping  # run one test case in a subshell
#   kp_exit                       # exit 0 / 1 (KSFT_FAIL) / 4 (KSFT_SKIP)
#
# A test case is a shell function; it fails on the first failing command
# (it runs under `set -e`) or with kp_fail.  Never report a skip as a pass:
# call kp_skip only when something the test needs is really missing.

set -u
set -o pipefail

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

KP_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The repo: $KP_REPO, else found upward from the test directory (the
# tests run from selftests/kp_loop or from build/selftests/install/kp_loop).
kp_find_repo() {
	local d=$KP_TEST_DIR

	while [ "$d" != / ]; do
		if [ -f "$d/kmod/include/uapi/linux/kp_loop.h" ]; then
			echo "$d"
			return 0
		fi
		d=$(dirname "$d")
	done
	return 1
}
KP_REPO=${KP_REPO:-$(kp_find_repo)}
KPCTL=${KPCTL:-$KP_REPO/build/bin/kpctl}
KP_LOOP_KO=${KP_LOOP_KO:-$KP_REPO/kmod/kp_loop/kp_loop.ko}
# Helper binaries: next to the scripts once installed, else in the build dir.
KP_BIN=${KP_BIN:-$KP_TEST_DIR}
[ -x "$KP_BIN/kp_udp" ] || KP_BIN=$KP_REPO/build/selftests/kp_loop

KP_NETNS=()
KP_TESTS_RUN=0
KP_TESTS_FAILED=0
KP_TESTS_SKIPPED=0

kp_log() { echo "# $*"; }

kp_fail() {
	echo "# FAIL: $*" >&2
	return 1
}

kp_skip() {
	echo "# SKIP: $*"
	exit "$KSFT_SKIP"
}

kp_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

# kp_run DESCRIPTION FUNCTION [ARGS...]: one KTAP test line.
kp_run() {
	local desc=$1 rc
	shift

	KP_TESTS_RUN=$((KP_TESTS_RUN + 1))
	( set -e; "$@" ) 2>&1 | sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then
		echo "ok $KP_TESTS_RUN $desc"
	elif [ "$rc" -eq "$KSFT_SKIP" ]; then
		KP_TESTS_SKIPPED=$((KP_TESTS_SKIPPED + 1))
		echo "ok $KP_TESTS_RUN $desc # SKIP"
	else
		KP_TESTS_FAILED=$((KP_TESTS_FAILED + 1))
		echo "not ok $KP_TESTS_RUN $desc"
	fi
}

kp_exit() {
	local pass=$((KP_TESTS_RUN - KP_TESTS_FAILED - KP_TESTS_SKIPPED))

	echo "# Totals: pass:$pass fail:$KP_TESTS_FAILED skip:$KP_TESTS_SKIPPED"
	[ "$KP_TESTS_FAILED" -eq 0 ] || exit "$KSFT_FAIL"
	[ "$KP_TESTS_SKIPPED" -eq 0 ] || exit "$KSFT_SKIP"
	exit "$KSFT_PASS"
}

# kp_eq WHAT EXPECTED ACTUAL
kp_eq() {
	[ "$2" = "$3" ] || kp_fail "$1: expected '$2', got '$3'"
}

# kp_range WHAT LOW HIGH ACTUAL: LOW <= ACTUAL <= HIGH (integers)
kp_range() {
	[ "$4" -ge "$2" ] && [ "$4" -le "$3" ] ||
		kp_fail "$1: $4 not in [$2, $3]"
}

# kp_expect_fail ERRTEXT CMD...: CMD must fail and print ERRTEXT.
kp_expect_fail() {
	local want=$1 out
	shift

	if out=$("$@" 2>&1); then
		kp_fail "'$*' succeeded, expected failure with '$want'"
		return 1
	fi
	case "$out" in
	*"$want"*) ;;
	*) kp_fail "'$*' said '$out', expected '$want'" ;;
	esac
}

kp_module_loaded() { [ -d /sys/module/kp_loop ]; }

kp_load_module() {
	kp_module_loaded && return 0
	[ -f "$KP_LOOP_KO" ] || kp_skip "kp_loop.ko not built ($KP_LOOP_KO)"
	insmod "$KP_LOOP_KO"
}

# kp_netns_add NAME...: create netns (with lo up), deleted by kp_cleanup.
# IPv6 is off for devices created in them: router and neighbour
# solicitations would make the per-packet counters of the tests inexact.
kp_netns_add() {
	local ns

	for ns in "$@"; do
		ip netns add "$ns"
		KP_NETNS+=("$ns")
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
}

kp_cleanup() {
	local ns dev

	for ns in "${KP_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if kp_module_loaded; then
		for dev in $(ip -j link show type kploop 2>/dev/null |
			     jq -r '.[].ifname'); do
			ip link del "$dev" 2>/dev/null
		done
	fi
	return 0
}

# kp_setup: root, module, tools, cleanup trap.
kp_setup() {
	[ "$(id -u)" -eq 0 ] || kp_skip "must be run as root"
	command -v jq >/dev/null || kp_skip "jq not installed"
	[ -x "$KPCTL" ] || kp_skip "kpctl not built ($KPCTL)"
	kp_load_module
	trap kp_cleanup EXIT
}

# kp_stat DEV COUNTER [NETNS]: one kp_loop counter (kpctl loop stats).
kp_stat() {
	local nsopt=()

	[ $# -lt 3 ] || nsopt=(-n "$3")
	"$KPCTL" "${nsopt[@]}" -j loop stats "$1" | jq -er ".[0].stats.$2"
}

# kp_link_stat DEV FIELD [NETNS]: a kernel counter (ip -s), e.g. rx_dropped.
kp_link_stat() {
	local nsopt=()

	[ $# -lt 3 ] || nsopt=(-n "$3")
	ip "${nsopt[@]}" -j -s link show dev "$1" |
		jq -er ".[0].stats64.${2%%_*}.${2#*_}"
}

# kp_pair NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B: a pair across two netns
# (made by kp_netns_add), up, with IPv4 addresses (/24) and static neighbours (no ARP traffic, so
# counters are exact).
kp_pair() {
	local nsa=$1 deva=$2 addra=$3 nsb=$4 devb=$5 addrb=$6 maca macb

	"$KPCTL" -n "$nsa" loop add "$deva" peer "$devb" netns "$nsb"
	ip -n "$nsa" addr add "$addra/24" dev "$deva"
	ip -n "$nsb" addr add "$addrb/24" dev "$devb"
	ip -n "$nsa" link set "$deva" up
	ip -n "$nsb" link set "$devb" up
	maca=$(ip -n "$nsa" -j link show "$deva" | jq -r '.[0].address')
	macb=$(ip -n "$nsb" -j link show "$devb" | jq -r '.[0].address')
	ip -n "$nsa" neigh replace "$addrb" lladdr "$macb" dev "$deva" nud permanent
	ip -n "$nsb" neigh replace "$addra" lladdr "$maca" dev "$devb" nud permanent
}
