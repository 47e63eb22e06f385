#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Events of the kp_loop genetlink family ("events" group), as printed by
# `kpctl -j monitor count N`: the exact sequence and fields for a pair's
# creation, a fault rate change, a carrier change with stock ip, and its
# deletion; each netns sees the events of its own devices only; a move
# between netns; one "del" per device on rmmod.

source "$(dirname "$0")/lib.sh"

NSA=kpmon-a-$$
NSB=kpmon-b-$$
TMPD=

# monitor NS COUNT OUT: start `kpctl -j monitor count COUNT` in NS in the
# background, wait until it listens; sets MON_PID.
monitor() {
	[ -n "$GRP" ] || kp_fail "the id of genetlink group kp_loop/events is unknown"
	"$KPCTL" -n "$1" -j monitor count "$2" >"$3" 2>"$3.err" &
	MON_PID=$!
	kp_wait_subscribed "$MON_PID" "$GRP"
}

# wait_exit PID SECONDS: wait for child PID; its status, 124 if it had to
# be killed.
wait_exit() {
	local i

	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill "$1"
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

# expect_events PID OUT EXPECTED: the monitor PID exits by itself (it has
# seen its count) with status 0, and printed exactly EXPECTED (one JSON
# object per line; compared with sorted keys).  `monitor count N` stops
# after N events, so an extra event after the last expected one would go
# unseen: each test ends with a sentinel, a loop device ks0 added after
# everything else (events are sent synchronously, under RTNL), and counts
# it; an extra event anywhere shifts the sequence and shows as a mismatch.
expect_events() {
	local pid=$1 out=$2 want=$3 rc=0 got

	wait_exit "$pid" 10 || rc=$?
	got=$(jq -cS . <"$out") || kp_fail "monitor output is not JSON: $(cat "$out")"
	want=$(jq -cS . <<<"$want")
	if [ "$rc" -ne 0 ] || [ "$got" != "$want" ]; then
		kp_log "monitor exit status $rc, stderr: $(cat "$out.err")"
		kp_log "expected:"
		sed 's/^/#   /' <<<"$want"
		kp_log "got:"
		sed 's/^/#   /' <<<"$got"
		kp_fail "monitor events differ (or it did not exit: status $rc)"
	fi
}

# sentinel NS: add the loop device ks0 in NS; its ifindex on stdout.
sentinel() {
	ip -n "$1" link add ks0 type kploop
	kp_ifindex "$1" ks0
}

# ev EVENT IFNAME IFINDEX MODE [KEY=JSON_VALUE...]: one expected event with
# the defaults of a new device (mtu 1500, carrier on, no faults).
ev() {
	local args=(--arg e "$1" --arg n "$2" --argjson i "$3" --arg m "$4") kv
	local extra='{}'
	shift 4

	for kv in "$@"; do
		extra=$(jq -c --argjson v "${kv#*=}" --arg k "${kv%%=*}" \
			'. + {($k): $v}' <<<"$extra")
	done
	jq -cn "${args[@]}" --argjson x "$extra" \
		'{event: $e, ifname: $n, ifindex: $i, mode: $m, mtu: 1500,
		  admin_carrier: true, drop_ppm: 0, corrupt_ppm: 0, dup_ppm: 0} + $x'
}

test_pair_sequence() {
	local out=$TMPD/pair i0 i1 s want

	kp_flush "$NSA" "$NSB"

	monitor "$NSA" 7 "$out"
	# shellcheck disable=SC2064 # expand now: the pids are locals
	trap "kill $MON_PID 2>/dev/null || true" EXIT
	"$KPCTL" -n "$NSA" loop add kp0 peer kp1
	"$KPCTL" -n "$NSA" loop set kp0 drop 2500
	ip -n "$NSA" link set kp0 carrier off
	i0=$(kp_ifindex "$NSA" kp0)
	i1=$(kp_ifindex "$NSA" kp1)
	"$KPCTL" -n "$NSA" loop del kp0
	s=$(sentinel "$NSA")

	want=$(
		ev add kp0 "$i0" pair peer_ifindex="$i1"
		ev add kp1 "$i1" pair peer_ifindex="$i0"
		ev change kp0 "$i0" pair peer_ifindex="$i1" drop_ppm=2500
		ev change kp0 "$i0" pair peer_ifindex="$i1" drop_ppm=2500 \
			admin_carrier=false
		ev del kp0 "$i0" pair peer_ifindex="$i1" drop_ppm=2500 \
			admin_carrier=false
		ev del kp1 "$i1" pair peer_ifindex="$i0"
		ev add ks0 "$s" loop
	)
	expect_events "$MON_PID" "$out" "$want"
}

# kpctl loop set (rates, carrier) and ip link set carrier on a loop device:
# one event each, with the new values; none for a set that changes nothing.
test_loop_changes() {
	local out=$TMPD/loop i s want

	kp_flush "$NSA" "$NSB"

	ip -n "$NSA" link add kl0 type kploop
	i=$(kp_ifindex "$NSA" kl0)
	monitor "$NSA" 6 "$out"
	# shellcheck disable=SC2064 # expand now: the pids are locals
	trap "kill $MON_PID 2>/dev/null || true" EXIT
	"$KPCTL" -n "$NSA" loop set kl0 corrupt 1% dup 7
	# the same values again, and carrier on while on: no change, no event
	"$KPCTL" -n "$NSA" loop set kl0 corrupt 1% dup 7 carrier on
	ip -n "$NSA" link set kl0 carrier on
	"$KPCTL" -n "$NSA" loop set kl0 carrier off
	ip -n "$NSA" link set kl0 carrier on
	"$KPCTL" -n "$NSA" loop set kl0 corrupt 0 dup 0 drop 1000000
	ip -n "$NSA" link del kl0
	s=$(sentinel "$NSA")

	want=$(
		ev change kl0 "$i" loop corrupt_ppm=10000 dup_ppm=7
		ev change kl0 "$i" loop corrupt_ppm=10000 dup_ppm=7 admin_carrier=false
		ev change kl0 "$i" loop corrupt_ppm=10000 dup_ppm=7
		ev change kl0 "$i" loop drop_ppm=1000000
		ev del kl0 "$i" loop drop_ppm=1000000
		ev add ks0 "$s" loop
	)
	expect_events "$MON_PID" "$out" "$want"
}

# A monitor in each netns, events in both, and a pair across them.
test_netns_isolation() {
	local outa=$TMPD/a outb=$TMPD/b pida pidb ka kb x0 x1 ida idb sa sb
	local wanta wantb

	kp_flush "$NSA" "$NSB"

	monitor "$NSA" 5 "$outa"
	pida=$MON_PID
	monitor "$NSB" 6 "$outb"
	pidb=$MON_PID
	# shellcheck disable=SC2064 # expand now: the pids are locals
	trap "kill $pida $pidb 2>/dev/null || true" EXIT

	ip -n "$NSB" link add kb0 type kploop
	ip -n "$NSA" link add ka0 type kploop
	"$KPCTL" -n "$NSA" loop add x0 peer x1 netns "$NSB"
	"$KPCTL" -n "$NSB" loop set kb0 dup 3
	ka=$(kp_ifindex "$NSA" ka0)
	kb=$(kp_ifindex "$NSB" kb0)
	x0=$(kp_ifindex "$NSA" x0)
	x1=$(kp_ifindex "$NSB" x1)
	ida=$(kp_nsid "$NSB" "$NSA")	# A as seen from B
	idb=$(kp_nsid "$NSA" "$NSB")	# B as seen from A
	ip -n "$NSA" link del x0
	ip -n "$NSA" link del ka0
	ip -n "$NSB" link del kb0
	sa=$(sentinel "$NSA")
	sb=$(sentinel "$NSB")

	wanta=$(
		ev add ka0 "$ka" loop
		ev add x0 "$x0" pair peer_ifindex="$x1" link_netnsid="$idb"
		ev del x0 "$x0" pair peer_ifindex="$x1" link_netnsid="$idb"
		ev del ka0 "$ka" loop
		ev add ks0 "$sa" loop
	)
	wantb=$(
		ev add kb0 "$kb" loop
		ev add x1 "$x1" pair peer_ifindex="$x0" link_netnsid="$ida"
		ev change kb0 "$kb" loop dup_ppm=3
		ev del x1 "$x1" pair peer_ifindex="$x0" link_netnsid="$ida"
		ev del kb0 "$kb" loop dup_ppm=3
		ev add ks0 "$sb" loop
	)
	kp_log "netns $NSA:"
	expect_events "$pida" "$outa" "$wanta"
	kp_log "netns $NSB:"
	expect_events "$pidb" "$outb" "$wantb"
}

# A device moving from A to B: "del" in A (as it was there), "add" in B
# (with its ifindex and peer link as seen from B); nothing else.
test_move() {
	local outa=$TMPD/ma outb=$TMPD/mb pida pidb m0 m1a m1b ida sa sb
	local wanta wantb

	kp_flush "$NSA" "$NSB"
	"$KPCTL" -n "$NSA" loop add m0 peer m1
	m0=$(kp_ifindex "$NSA" m0)
	m1a=$(kp_ifindex "$NSA" m1)
	monitor "$NSA" 2 "$outa"
	pida=$MON_PID
	monitor "$NSB" 2 "$outb"
	pidb=$MON_PID
	# shellcheck disable=SC2064 # expand now: the pids are locals
	trap "kill $pida $pidb 2>/dev/null || true" EXIT
	ip -n "$NSA" link set m1 netns "$NSB"
	m1b=$(kp_ifindex "$NSB" m1)
	ida=$(kp_nsid "$NSB" "$NSA")
	sa=$(sentinel "$NSA")
	sb=$(sentinel "$NSB")

	wanta=$(
		ev del m1 "$m1a" pair peer_ifindex="$m0"
		ev add ks0 "$sa" loop
	)
	wantb=$(
		ev add m1 "$m1b" pair peer_ifindex="$m0" link_netnsid="$ida"
		ev add ks0 "$sb" loop
	)
	kp_log "netns $NSA:"
	expect_events "$pida" "$outa" "$wanta"
	kp_log "netns $NSB:"
	expect_events "$pidb" "$outb" "$wantb"
}

# rmmod deletes every device: exactly one "del" each (it used to report a
# pair's second end twice).  The family goes away with the module, so no
# sentinel can follow: the monitor is stopped once rmmod has returned.
test_rmmod() {
	local out=$TMPD/rm ra rb want got

	kp_flush "$NSA" "$NSB"
	"$KPCTL" -n "$NSA" loop add ra peer rb
	ra=$(kp_ifindex "$NSA" ra)
	rb=$(kp_ifindex "$NSA" rb)
	monitor "$NSA" 10 "$out"
	# shellcheck disable=SC2064 # expand now: the pid is local
	trap "kill $MON_PID 2>/dev/null || true" EXIT
	rmmod kp_loop
	sleep 1
	kill -TERM "$MON_PID"
	wait_exit "$MON_PID" 10 || kp_fail "monitor did not stop on SIGTERM"
	kp_load_module

	want=$(
		ev del ra "$ra" pair peer_ifindex="$rb"
		ev del rb "$rb" pair peer_ifindex="$ra"
	)
	got=$(jq -cS . <"$out") || kp_fail "monitor output is not JSON: $(cat "$out")"
	want=$(jq -cS . <<<"$want")
	if [ "$got" != "$want" ]; then
		kp_log "expected:"
		sed 's/^/#   /' <<<"$want"
		kp_log "got:"
		sed 's/^/#   /' <<<"$got"
		kp_fail "rmmod: events differ"
	fi
}

kp_setup
kp_netns_add "$NSA" "$NSB"
TMPD=$(mktemp -d /tmp/kploop_monitor.XXXXXX)
trap 'rm -rf "$TMPD"; kp_cleanup' EXIT
GRP=$(kp_genl_group_id kp_loop events) || GRP=
kp_log "genetlink group kp_loop/events: id ${GRP:-unknown}"
kp_plan 5
kp_run "pair add, rate, ip carrier off, del: exact event sequence" \
	test_pair_sequence
kp_run "loop device: every set and carrier change is one event" \
	test_loop_changes
kp_run "each netns sees only its own devices' events" test_netns_isolation
kp_run "a device moving to another netns: del in the old, add in the new" \
	test_move
kp_run "rmmod with a pair: exactly one del per device" test_rmmod
kp_exit
