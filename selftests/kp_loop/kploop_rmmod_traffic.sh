#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod kp_loop while traffic runs both ways across a pair: rmmod
# succeeds, both ends are gone, the senders see errors and nothing hangs;
# then insmod works again and a new pair passes traffic.  (vm-run fails
# the run on any kernel splat.)  Unloads the module, so it runs last; it
# leaves the module loaded.

source "$(dirname "$0")/lib.sh"

NSA=kprm-a-$$
NSB=kprm-b-$$
PORT=7006

# alive PID: the process exists and is no zombie.
alive() {
	local st

	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# reap PID SECONDS WHAT: wait up to SECONDS for PID to exit; its status in
# RC.  A process that does not exit is a hang: fail.
reap() {
	local i

	for ((i = 0; i < $2 * 10; i++)); do
		alive "$1" || break
		sleep 0.1
	done
	if alive "$1"; then
		kill -KILL "$1" 2>/dev/null
		kp_fail "$3 still running after $2 s"
		return 1
	fi
	RC=0
	wait "$1" || RC=$?
}

rx_at_least() {
	[ "$(kp_stat "$1" rx_packets "$2")" -ge "$3" ]
}

test_rmmod_under_traffic() {
	local t=$KP_TMPDIR rxa rxb snd_ab snd_ba ping_ab ping_ba t0 rc=0

	kp_pair "$NSA" a0 10.84.0.1 "$NSB" b0 10.84.0.2

	kp_udp_recv_bg "$NSB" "$t/rxb" -t 3000 "$PORT"
	rxb=$KP_BG_PID
	kp_udp_recv_bg "$NSA" "$t/rxa" -t 3000 "$PORT"
	rxa=$KP_BG_PID
	# COUNT 0: send until an error; timeout bounds a sender that hangs.
	timeout 60 ip netns exec "$NSA" "$KP_UDP" send -c 0 -s 1000 \
		10.84.0.2 "$PORT" >"$t/snd_ab" 2>&1 &
	snd_ab=$!
	timeout 60 ip netns exec "$NSB" "$KP_UDP" send -c 0 -s 1000 \
		10.84.0.1 "$PORT" >"$t/snd_ba" 2>&1 &
	snd_ba=$!
	timeout 60 ip netns exec "$NSA" ping -f -w 50 10.84.0.2 \
		>"$t/ping_ab" 2>&1 &
	ping_ab=$!
	timeout 60 ip netns exec "$NSB" ping -f -w 50 10.84.0.1 \
		>"$t/ping_ba" 2>&1 &
	ping_ba=$!

	kp_wait_until 20 rx_at_least b0 "$NSB" 2000
	kp_wait_until 20 rx_at_least a0 "$NSA" 2000
	kp_log "a0: $(kp_stats a0 "$NSA")"
	kp_log "b0: $(kp_stats b0 "$NSB")"
	for p in $snd_ab $snd_ba $ping_ab $ping_ba; do
		alive "$p" || kp_fail "a sender exited before rmmod"
	done

	t0=${EPOCHREALTIME/[.,]/}
	timeout 60 rmmod kp_loop || rc=$?
	kp_log "rmmod: exit status $rc after $(((${EPOCHREALTIME/[.,]/} - t0) / 1000)) ms"
	kp_eq "rmmod kp_loop exit status" 0 "$rc"
	if kp_module_loaded; then
		kp_fail "kp_loop still loaded after rmmod"
	fi
	if ip -n "$NSA" link show a0 2>/dev/null; then
		kp_fail "a0 still exists in $NSA"
	fi
	if ip -n "$NSB" link show b0 2>/dev/null; then
		kp_fail "b0 still exists in $NSB"
	fi

	# The UDP senders stop at their first error (no route any more).
	reap "$snd_ab" 10 "UDP sender a0 -> b0"
	kp_log "sender a0 -> b0: exit $RC: $(tr '\n' ' ' <"$t/snd_ab")"
	kp_eq "UDP sender a0 -> b0 exit status (error, not timeout)" 1 "$RC"
	reap "$snd_ba" 10 "UDP sender b0 -> a0"
	kp_log "sender b0 -> a0: exit $RC: $(tr '\n' ' ' <"$t/snd_ba")"
	kp_eq "UDP sender b0 -> a0 exit status (error, not timeout)" 1 "$RC"

	# ping -f keeps trying until its deadline: it must still respond.
	kill -INT "$ping_ab" "$ping_ba" 2>/dev/null || true
	reap "$ping_ab" 10 "ping -f a0 -> b0"
	kp_log "ping a0 -> b0: exit $RC: $(tail -n 3 "$t/ping_ab" | tr '\n' ' ')"
	reap "$ping_ba" 10 "ping -f b0 -> a0"
	kp_log "ping b0 -> a0: exit $RC: $(tail -n 3 "$t/ping_ba" | tr '\n' ' ')"

	# Every datagram that did arrive was intact.
	kp_udp_recv_wait "$rxb" "$t/rxb"
	kp_log "receiver in $NSB: $KP_RES"
	kp_udp_recv_wait "$rxa" "$t/rxa"
	kp_log "receiver in $NSA: $KP_RES"
}

test_reload() {
	local A0 B0 A B out

	if kp_module_loaded; then
		kp_fail "kp_loop is still loaded: cannot test a fresh insmod"
		return 1
	fi
	insmod "$KP_LOOP_KO"
	kp_module_loaded || kp_fail "kp_loop not loaded after insmod"
	kp_pair "$NSA" a1 10.84.1.1 "$NSB" b1 10.84.1.2

	A0=$(kp_stats a1 "$NSA"); B0=$(kp_stats b1 "$NSB")
	ip netns exec "$NSA" ping -c 5 -i 0.05 -W 2 -q 10.84.1.2
	kp_udp_recv_bg "$NSB" "$KP_TMPDIR/rx" -c 500 -t 3000 "$PORT"
	out=$(ip netns exec "$NSA" "$KP_UDP" send -c 500 -s 500 \
	      10.84.1.2 "$PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	A=$(kp_stats a1 "$NSA"); B=$(kp_stats b1 "$NSB")
	kp_log "sender: $out; receiver: $KP_RES"
	kp_log "a1: $A"
	kp_log "b1: $B"
	kp_eq "datagrams received, distinct, bad" "500 500 0" \
		"$(kp_kv received "$KP_RES") $(kp_kv unique "$KP_RES") $(kp_kv bad "$KP_RES")"
	kp_eq "a1 tx_packets delta (5 pings + 500 datagrams)" 505 \
		"$(kp_delta tx_packets "$A0" "$A")"
	kp_eq "b1 rx_packets delta" 505 "$(kp_delta rx_packets "$B0" "$B")"
	kp_eq "a1 rx_packets delta (5 replies)" 5 \
		"$(kp_delta rx_packets "$A0" "$A")"
}

kp_setup
kp_need_udp
kp_tmpdir
kp_plan 2
kp_netns_add "$NSA" "$NSB"
kp_run "rmmod: under traffic both ways, devices gone, no hang" \
	test_rmmod_under_traffic
kp_run "rmmod: insmod again, a new pair passes traffic" test_reload
# Leave the module loaded, whatever happened above.
kp_module_loaded || insmod "$KP_LOOP_KO" || true
kp_exit
