#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the kp_dgram kselftests, on top of kp_loop's lib.sh: the
# sibling collection's, in the source tree (selftests/kp_loop/) and once
# installed (build/selftests/install/kp_loop/) alike.  From there: kp_plan,
# kp_run, kp_exit, kp_fail, kp_skip, kp_eq, kp_range, kp_kv, kp_log,
# kp_wait_until, kp_wait_file, kp_expect_fail, kp_tmpdir, kp_pair,
# kp_load_module (kp_loop), $KP_REPO, $KPCTL.  Here:
#
#   kd_setup               root, kp_dg built, kp_dgram loaded with its
#                          default protocol, $KP_TMPDIR, the cleanup trap
#   kd_loaded              kp_dgram is loaded
#   kd_load [PARAM=V...]   insmod kp_dgram.ko
#   kd_unload              rmmod once its sockets are gone (RCU-freed
#                          sockets drop their module reference late)
#   kd_stats [NETNS]       the counters: "proto=253 port_unreach=1
#                          in_datagrams4=N ... sndbuf_errors6=N" (kp_kv)
#   kd_netns_add NS...     netns with lo up and IPv6 on (kp_netns_add turns
#                          IPv6 off), deleted at exit
#   kd_bg OUT CMD...       CMD in the background, stdout and stderr to OUT
#                          (pid in KD_BG_PID), killed at exit
#   kd_on_exit CMD         run CMD (eval) at exit, before the netns go
#
# kp_run runs each case in a subshell: what must outlive it or be undone at
# the script's exit (netns, kd_bg, kd_on_exit) is set up outside the case,
# and a case cleans up its own things with a trap on EXIT of its subshell.
#
# kp_dgram's counters are per netns: a test that wants them exact runs in a
# netns of its own, where they start at 0.

KD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ ! -f "$KD_DIR/../kp_loop/lib.sh" ]; then
	echo "# FAIL: $KD_DIR/../kp_loop/lib.sh not found: the kp_dgram tests use kp_loop's lib.sh (install both collections)"
	exit 1
fi
# shellcheck source=../kp_loop/lib.sh
source "$KD_DIR/../kp_loop/lib.sh"

# Helpers: next to the scripts once installed, else in the build dir.
KD_BIN=${KD_BIN:-$KD_DIR}
[ -x "$KD_BIN/kp_dg" ] || KD_BIN=$KP_REPO/build/selftests/kp_dgram
KD_DG=$KD_BIN/kp_dg
KD_KO=${KD_KO:-$KP_KMOD_DIR/kp_dgram.ko}
KD_PROTO=253
KD_BG_PIDS=()
KD_ON_EXIT=()

kd_loaded() { [ -d /sys/module/kp_dgram ]; }

# shellcheck disable=SC2120 # kpdgram_module.sh: kd_load proto=254
kd_load() {
	[ -f "$KD_KO" ] || kp_skip "kp_dgram.ko not built ($KD_KO)"
	insmod "$KD_KO" "$@"
}

kd_refcnt_zero() { [ "$(cat /sys/module/kp_dgram/refcnt)" = 0 ]; }

kd_unload() {
	kd_loaded || return 0
	kp_wait_until 10 kd_refcnt_zero
	rmmod kp_dgram
}

# kd_stats [NETNS] ("" or none: the current one)
kd_stats() {
	if [ -n "${1:-}" ]; then
		ip netns exec "$1" "$KD_DG" stats
	else
		"$KD_DG" stats
	fi
}

kd_netns_add() {
	local ns

	for ns in "$@"; do
		ip netns add "$ns"
		KP_NETNS+=("$ns")
		ip -n "$ns" link set lo up
	done
}

kd_bg() {
	local out=$1
	shift

	"$@" >"$out" 2>&1 &
	KD_BG_PID=$!
	KD_BG_PIDS+=("$KD_BG_PID")
}

kd_on_exit() {
	KD_ON_EXIT+=("$1")
}

kd_cleanup() {
	local p c

	for p in "${KD_BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${KD_BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for c in "${KD_ON_EXIT[@]}"; do
		eval "$c" || true
	done
	[ -z "$KP_TMPDIR" ] || rm -rf "$KP_TMPDIR"
	# (not kp_cleanup: these tests make no kploop device outside their
	# netns, and its scan for them runs jq, half a second in the VM)
	for c in "${KP_NETNS[@]}"; do
		ip netns del "$c" 2>/dev/null || true
	done
}

# kd_setup: root, kp_dg, kp_dgram loaded with proto 253, tmpdir, trap.
kd_setup() {
	local proto

	[ "$(id -u)" -eq 0 ] || kp_skip "must be run as root"
	[ -x "$KD_DG" ] || kp_skip "kp_dg not built ($KD_DG): make -C selftests"
	kp_tmpdir
	trap kd_cleanup EXIT
	if kd_loaded; then
		proto=$(kp_kv proto "$(kd_stats)")
		if [ "$proto" != "$KD_PROTO" ]; then
			kp_log "kp_dgram loaded with proto=$proto: reloading it"
			kd_unload
		fi
	fi
	kd_loaded || kd_load
}

# kd_counter NAME [NETNS]: one counter (in_datagrams4, no_ports6, ...).
kd_counter() {
	kp_kv "$1" "$(kd_stats "${@:2}")"
}

# kd_expect_counters NETNS "name=value ..." : those counters exactly.
kd_expect_counters() {
	local ns=$1 want=$2 now kv

	now=$(kd_stats "$ns")
	for kv in $want; do
		kp_eq "${kv%%=*} in $ns" "${kv#*=}" "$(kp_kv "${kv%%=*}" "$now")"
	done
}
