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
# (it runs under `set -e`, inherited by command substitutions) or with
# kp_fail.  Never report a skip as a pass: call kp_skip only when something
# the test needs is really missing.  A script that runs a number of cases
# other than its plan fails (kp_exit).  Each case writes
# "kpath-test: SCRIPT: CASE" to the kernel log, so a kernel splat is
# reported with the case that caused it.

set -u
set -o pipefail
# `set -e` also inside $(...): a failing check there fails the case.
shopt -s inherit_errexit

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
# Modules are built per kernel (make -C kmod KVER=...; vm-run does it).
KP_KMOD_DIR=${KP_KMOD_DIR:-$KP_REPO/build/kmod/$(uname -r)}
KP_LOOP_KO=${KP_LOOP_KO:-$KP_KMOD_DIR/kp_loop.ko}
# Helper binaries: next to the scripts once installed, else in the build dir.
KP_BIN=${KP_BIN:-$KP_TEST_DIR}
[ -x "$KP_BIN/kp_udp" ] || KP_BIN=$KP_REPO/build/selftests/kp_loop

KP_NETNS=()
KP_TESTS_PLANNED=
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
	KP_TESTS_PLANNED=$1
	echo "TAP version 13"
	echo "1..$1"
}

# kp_kmsg TEXT: a line in the kernel log (when /dev/kmsg is writable).
kp_kmsg() {
	[ -w /dev/kmsg ] && echo "kpath-test: $*" >/dev/kmsg 2>/dev/null || :
}

# kp_run DESCRIPTION FUNCTION [ARGS...]: one KTAP test line.
kp_run() {
	local desc=$1 rc
	shift

	KP_TESTS_RUN=$((KP_TESTS_RUN + 1))
	kp_kmsg "$(basename "$0"): $KP_TESTS_RUN $desc"
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
	kp_kmsg "$(basename "$0"): done"
	if [ -z "$KP_TESTS_PLANNED" ]; then
		echo "# FAIL: no plan (kp_plan) before kp_exit"
		exit "$KSFT_FAIL"
	fi
	if [ "$KP_TESTS_RUN" -ne "$KP_TESTS_PLANNED" ]; then
		echo "# FAIL: ran $KP_TESTS_RUN test cases, the plan says $KP_TESTS_PLANNED"
		exit "$KSFT_FAIL"
	fi
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
	local out

	out=$(kp_stats "$1" ${3:+"$3"}) && kp_kv "$2" "$out"
}

# kp_link_stat DEV FIELD [NETNS]: a kernel counter (ip -s), e.g. rx_dropped.
# Read by bash from "stats64":{"rx":{"bytes":N,...},"tx":{...}}, without jq
# (see kp_stats).
kp_link_stat() {
	local nsopt=() json s dir=${2%%_*} key=${2#*_}

	[ $# -lt 3 ] || nsopt=(-n "$3")
	json=$(ip "${nsopt[@]}" -j -s link show dev "$1") || return 1
	s=${json//[[:space:]]/}
	if [[ "$s" != *'"stats64":{'* ]]; then
		kp_fail "no stats64 for $1 in: $json"
		return 1
	fi
	s=${s#*\"stats64\":\{}
	s=${s#*\""$dir"\":\{}
	s=${s%%\}*}
	if ! [[ ",$s," =~ ,\"$key\":([0-9]+), ]]; then
		kp_fail "no $2 for $1 in: $json"
		return 1
	fi
	echo "${BASH_REMATCH[1]}"
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

# --- Traffic helpers (kp_udp) -------------------------------------------

KP_UDP=${KP_UDP:-$KP_BIN/kp_udp}
KP_TMPDIR=

# kp_tmpdir: make $KP_TMPDIR (once), removed at exit along with kp_cleanup.
kp_tmpdir() {
	[ -n "$KP_TMPDIR" ] && return 0
	KP_TMPDIR=$(mktemp -d /tmp/kp_loop.XXXXXX)
	trap 'rm -rf "$KP_TMPDIR"; kp_cleanup' EXIT
}

# kp_need_udp: skip unless the kp_udp helper is built.
kp_need_udp() {
	[ -x "$KP_UDP" ] || kp_skip "kp_udp not built ($KP_UDP)"
}

# kp_wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
kp_wait_until() {
	local i n=$(($1 * 10))
	shift

	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	kp_fail "timed out after $((n / 10)) s waiting for: $*"
}

# kp_wait_file FILE [SECONDS]: wait for FILE to exist (kp_udp ... -r FILE).
kp_wait_file() {
	kp_wait_until "${2:-10}" test -e "$1"
}

# kp_kv KEY LINE: the value of KEY in a "key=value key=value" line, such as
# kp_udp's summary or kp_stats' output.
kp_kv() {
	local kv

	for kv in $2; do
		if [ "${kv%%=*}" = "$1" ]; then
			echo "${kv#*=}"
			return 0
		fi
	done
	kp_fail "no '$1=' in '$2'"
}

# kp_stats DEV [NETNS]: every kp_loop counter of DEV on one line,
# "tx_packets=N tx_bytes=N ...", for kp_kv and for diagnostics.
# "stats" is a flat object of integers, so bash itself reads it: every
# process costs in the TCG VM (jq ~0.4 s to start on the stock kernel,
# ~0.3 s for any exec on the debug kernel), and the tests take many
# snapshots.
kp_stats() {
	local nsopt=() json out

	[ $# -lt 2 ] || nsopt=(-n "$2")
	json=$("$KPCTL" "${nsopt[@]}" -j loop stats "$1") || return 1
	out=${json//[[:space:]]/}
	out=${out##*\"stats\":\{}
	out=${out%%\}*}
	out=${out//\"/}
	out=${out//:/=}
	out=${out//,/ }
	if ! [[ "$out" =~ ^[a-z0-9_]+=[0-9]+( [a-z0-9_]+=[0-9]+)*$ ]]; then
		kp_fail "cannot read the counters of $1 in: $json"
		return 1
	fi
	echo "$out"
}

# kp_delta KEY BEFORE AFTER: AFTER's KEY minus BEFORE's (kp_stats lines).
kp_delta() {
	local a b

	b=$(kp_kv "$1" "$2") && a=$(kp_kv "$1" "$3") && echo $((a - b))
}

# kp_snmp NETNS NAME...: counters of /proc/net/snmp and /proc/net/netstat
# in NETNS, named as nstat names them (UdpInErrors, IpInHdrErrors, ...), as
# one "NAME=VALUE ..." line (kp_kv reads it).
kp_snmp() {
	local ns=$1

	shift
	ip netns exec "$ns" cat /proc/net/snmp /proc/net/netstat |
		awk -v want="$*" '
		BEGIN { n = split(want, w); for (i = 1; i <= n; i++) need[w[i]] = 1 }
		!($1 in hdr) { hdr[$1] = $0; next }
		{
			m = split(hdr[$1], h); split($0, v)
			p = substr($1, 1, length($1) - 1)
			for (i = 2; i <= m; i++)
				if ((p h[i]) in need) got[p h[i]] = v[i]
			delete hdr[$1]
		}
		END {
			for (i = 1; i <= n; i++) {
				if (!(w[i] in got)) {
					print "no counter " w[i] > "/dev/stderr"
					exit 1
				}
				printf "%s%s=%s", (i > 1 ? " " : ""), w[i], got[w[i]]
			}
			print ""
		}' || kp_fail "reading SNMP counters $* in netns $ns"
}

# kp_udp_recv_bg NETNS OUT ARGS...: start `kp_udp recv ARGS` in NETNS in
# the background, its summary line to OUT, and wait until it is bound.
# Sets KP_BG_PID; collect the result with kp_udp_recv_wait.
kp_udp_recv_bg() {
	local ns=$1 out=$2
	shift 2

	rm -f "$out.ready"
	ip netns exec "$ns" "$KP_UDP" recv -r "$out.ready" "$@" >"$out" &
	KP_BG_PID=$!
	kp_wait_file "$out.ready"
}

# kp_udp_recv_wait PID OUT: wait for a receiver started by kp_udp_recv_bg
# (not from a subshell: it must be our child) and set KP_RES to its
# summary line; fails if the receiver failed (e.g. a bad payload).
kp_udp_recv_wait() {
	local rc=0

	wait "$1" || rc=$?
	KP_RES=$(cat "$2")
	[ "$rc" -eq 0 ] || kp_fail "kp_udp recv exited with $rc: $KP_RES"
}

# kp_binom_ok WHAT N PPM ACTUAL: ACTUAL within mean +- 5 sigma of a
# binomial(N, PPM / 1e6).
kp_binom_ok() {
	local lo hi

	read -r lo hi < <(awk -v n="$2" -v ppm="$3" 'BEGIN {
		p = ppm / 1e6; m = n * p; s = 5 * sqrt(n * p * (1 - p))
		lo = int(m - s); if (lo < 0) lo = 0
		printf "%d %d\n", lo, int(m + s + 0.999999) }')
	kp_log "$1: $4 (binomial n=$2 p=$3 ppm: [$lo, $hi])"
	kp_range "$1" "$lo" "$hi" "$4"
}

# --- Generic netlink multicast helpers ----------------------------------

# kp_genl_group_id FAMILY GROUP: the id of a genetlink multicast group.
kp_genl_group_id() {
	local id

	id=$(genl ctrl get name "$1" |
	     sed -n "s/.*ID-\(0x[0-9a-fA-F]*\) *name: $2 *\$/\1/p")
	[ -n "$id" ] || { kp_fail "no multicast group $2 in genl family $1"; return 1; }
	echo $((id))
}

# kp_wait_subscribed PID GROUP_ID [SECONDS]: wait until process PID has a
# NETLINK_GENERIC socket that joined multicast group GROUP_ID, as seen in
# /proc/PID/net/netlink (the netns PID is in).  Readiness of a listener
# such as `kpctl monitor` without a sleep.  That file shows the first 32
# groups only: skip beyond.
kp_wait_subscribed() {
	local pid=$1 grp=$2 secs=${3:-10} i inodes _ eth groups inode

	((grp >= 1 && grp <= 32)) ||
		kp_skip "multicast group id $grp > 32: not shown in /proc/net/netlink"
	for ((i = 0; i < secs * 20; i++)); do
		kill -0 "$pid" 2>/dev/null ||
			{ kp_fail "process $pid exited before subscribing"; return 1; }
		# (find fails when an fd goes away while it reads the directory)
		inodes=" $(find "/proc/$pid/fd" -lname 'socket:*' -printf '%l ' 2>/dev/null |
			   sed 's/socket:\[\([0-9]*\)\]/\1/g')" || true
		while read -r _ eth _ groups _ _ _ _ _ inode; do
			if [ "$eth" = 16 ] && [[ $inodes == *" $inode "* ]] &&
			   ((0x$groups & (1 << (grp - 1)))); then
				return 0
			fi
		done < <(cat "/proc/$pid/net/netlink" 2>/dev/null)
		sleep 0.05
	done
	kp_fail "process $pid did not join genetlink group $grp in $secs s"
}

# kp_static_neigh NS_A DEV_A ADDR_A NS_B DEV_B ADDR_B: (re)install the
# permanent neighbours kp_pair sets up; setting a device down flushes them.
kp_static_neigh() {
	local maca macb

	maca=$(ip -n "$1" -j link show "$2" | jq -r '.[0].address')
	macb=$(ip -n "$4" -j link show "$5" | jq -r '.[0].address')
	ip -n "$1" neigh replace "$6" lladdr "$macb" dev "$2" nud permanent
	ip -n "$4" neigh replace "$3" lladdr "$maca" dev "$5" nud permanent
}

# kp_ifindex NS DEV: DEV's ifindex in NS.
kp_ifindex() {
	ip -n "$1" -j link show dev "$2" | jq -er '.[0].ifindex'
}

# kp_nsid NS OTHER: the id NS has for netns OTHER.
kp_nsid() {
	ip -n "$1" -j netns list-id |
		jq -er --arg ns "$2" '.[] | select(.name == $ns) | .nsid'
}

# kp_flush NS...: delete every kploop device in each NS ("" is the current
# netns), e.g. what a failed test case left behind, so that the next one
# starts clean.  (`ip link show type kploop` is not used: without the
# module loaded it prints an empty object.)
kp_flush() {
	local ns dev

	for ns in "$@"; do
		for dev in $(ip ${ns:+-n "$ns"} -d -j link show |
			     jq -r '.[] | select(.linkinfo.info_kind == "kploop") |
				    .ifname'); do
			ip ${ns:+-n "$ns"} link del "$dev" 2>/dev/null || true
		done
	done
}
