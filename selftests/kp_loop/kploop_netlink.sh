#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink error paths.  kploop_nl_errors (C, kselftest harness) sends bad
# requests to the kp_loop genetlink family and to rtnetlink and checks the
# exact errno and extack of each; the cases below check that kpctl
# reports the kernel's errors (and rejects what it can itself) with a
# clear message and the documented exit status (1: usage, 2: kernel).

source "$(dirname "$0")/lib.sh"

NS=kpnl-$$
NL_ERRORS=$KP_BIN/kploop_nl_errors
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

# run_cli EXPECTED_RC EXPECTED_TEXT CMD...: CMD exits EXPECTED_RC and its
# whole output (stdout + stderr) is EXPECTED_TEXT (kpctl prints one line).
run_cli() {
	local want_rc=$1 want=$2 out rc=0
	shift 2

	out=$("$@" 2>&1) || rc=$?
	kp_log "\$ $* -> exit $rc: $out"
	kp_eq "exit status of '$*'" "$want_rc" "$rc"
	kp_eq "output of '$*'" "$want" "$out"
}

# ppm DEV FIELD: drop_ppm, ... of DEV in $NS (kpctl loop show).
ppm() {
	"$KPCTL" -n "$NS" -j loop show "$1" | jq -er ".[0].$2"
}

test_nl_errors() {
	[ -x "$NL_ERRORS" ] || kp_fail "$NL_ERRORS not built (make -C selftests)"
	# Its own netns: the program creates and deletes kpe* devices.
	ip netns exec "$NS" "$NL_ERRORS"
}

test_set_lo() {
	run_cli 2 "Error: not a kp_loop device (Operation not supported)" \
		"$KPCTL" -n "$NS" loop set lo drop 1
}

test_rate_out_of_range() {
	local what

	kp_flush "$NS"

	ip -n "$NS" link add kp0 type kploop
	for what in drop corrupt dup; do
		run_cli 1 "kpctl: invalid $what rate \"2000000\": expected 0..1000000 ppm or a percentage" \
			"$KPCTL" -n "$NS" loop set kp0 "$what" 2000000
		run_cli 1 "kpctl: invalid $what rate \"1000001\": expected 0..1000000 ppm or a percentage" \
			"$KPCTL" -n "$NS" loop set kp0 "$what" 1000001
		kp_eq "${what}_ppm after the rejected requests" 0 \
			"$(ppm kp0 "${what}_ppm")"
	done
	# the boundary is accepted, and so is a percentage
	"$KPCTL" -n "$NS" loop set kp0 drop 1000000 corrupt 1% dup 0.5%
	kp_eq drop_ppm 1000000 "$(ppm kp0 drop_ppm)"
	kp_eq corrupt_ppm 10000 "$(ppm kp0 corrupt_ppm)"
	kp_eq dup_ppm 5000 "$(ppm kp0 dup_ppm)"
	ip -n "$NS" link del kp0
}

test_unprivileged() {
	local stats

	kp_flush "$NS"

	ip -n "$NS" link add kp0 type kploop
	"$KPCTL" -n "$NS" loop set kp0 drop 7
	# kpctl -n needs CAP_SYS_ADMIN for setns(): enter the netns first.
	run_cli 2 "Error: Operation not permitted" \
		ip netns exec "$NS" "${NOBODY[@]}" "$KPCTL" loop set kp0 drop 1
	kp_eq "drop_ppm after the refused request" 7 "$(ppm kp0 drop_ppm)"
	# reading needs no privilege
	stats=$(ip netns exec "$NS" "${NOBODY[@]}" "$KPCTL" -j loop stats kp0)
	kp_eq "unprivileged stats: ifname" kp0 "$(jq -r '.[0].ifname' <<<"$stats")"
	kp_eq "unprivileged stats: tx_packets" 0 \
		"$(jq -r '.[0].stats.tx_packets' <<<"$stats")"
	ip -n "$NS" link del kp0
}

test_no_such_netns() {
	kp_flush "$NS"
	[ ! -e /run/netns/nosuchns ] || kp_fail "/run/netns/nosuchns exists"
	run_cli 1 "Cannot open network namespace \"nosuchns\": No such file or directory" \
		"$KPCTL" -n "$NS" loop add kp0 peer kp1 netns nosuchns
	kp_eq "kploop devices after the failed add" "[]" \
		"$("$KPCTL" -n "$NS" -j loop show)"
}

test_no_such_device() {
	run_cli 1 'Cannot find device "nosuchdev"' \
		"$KPCTL" -n "$NS" loop set nosuchdev drop 1
	run_cli 1 'Cannot find device "nosuchdev"' \
		"$KPCTL" -n "$NS" loop stats nosuchdev
}

# Dumps under churn: 150 devices stay (50 with kmemleak, the debug kernel,
# where each costs far more) while others are created and deleted all
# along (the first 40 of which were listed before them); every dump kpctl
# prints (8, or 4 with kmemleak) lists each of them exactly once.  The kernel resumes a
# multi-part dump after the last ifindex sent and flags interruption
# (NLM_F_DUMP_INTR); kpctl retries an interrupted dump, then prints the
# last one with a warning.
test_dump_churn() {
	local i n=150 dumps=8 pid out got

	if [ -e /sys/kernel/debug/kmemleak ]; then
		n=50
		dumps=4
	fi
	kp_flush "$NS"
	for ((i = 0; i < 40; i++)); do
		echo "link add ch$i type kploop"
	done | ip -n "$NS" -batch -
	for ((i = 0; i < n; i++)); do
		echo "link add st$i type kploop"
	done | ip -n "$NS" -batch -
	(
		j=0
		while :; do
			ip -n "$NS" link del "ch$((j % 40))" 2>/dev/null || true
			ip -n "$NS" link add "ch$((j % 40))" type kploop 2>/dev/null || true
			j=$((j + 1))
		done
	) &
	pid=$!
	# shellcheck disable=SC2064 # expand now: the pid is local
	trap "kill $pid 2>/dev/null; rm -rf '$KP_TMPDIR'; kp_cleanup" EXIT
	for ((i = 0; i < dumps; i++)); do
		out=$("$KPCTL" -n "$NS" -j loop show 2>"$KP_TMPDIR/err") ||
			kp_fail "kpctl loop show failed: $(cat "$KP_TMPDIR/err")"
		got=$(jq -r '[.[].ifname | select(startswith("st"))] |
			     "\(length) \(unique | length)"' <<<"$out")
		kp_log "dump $i: $got (stable devices listed, distinct); stderr: $(cat "$KP_TMPDIR/err")"
		kp_eq "stable devices listed, distinct" "$n $n" "$got"
	done
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	trap 'rm -rf "$KP_TMPDIR"; kp_cleanup' EXIT
	kp_flush "$NS"
}

kp_setup
kp_tmpdir
kp_netns_add "$NS"
kp_plan 7
kp_run "genl + rtnetlink errno and extack of bad requests (kploop_nl_errors)" \
	test_nl_errors
kp_run "kpctl loop set lo: exit 2, 'not a kp_loop device' from the kernel" \
	test_set_lo
kp_run "kpctl rejects rates above 1000000 ppm itself, exit 1" \
	test_rate_out_of_range
kp_run "unprivileged kpctl loop set: Operation not permitted; stats works" \
	test_unprivileged
kp_run "kpctl loop add ... netns nosuchns: clear error, nothing created" \
	test_no_such_netns
kp_run "kpctl on an unknown device: clear error, exit 1" test_no_such_device
kp_run "dumps under churn list every lasting device exactly once" \
	test_dump_churn
kp_exit
