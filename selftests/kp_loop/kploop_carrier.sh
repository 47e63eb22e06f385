#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Administrative carrier (kpctl loop set DEV carrier on|off, ip link set
# DEV carrier on|off) and the cable semantics of a pair: no carrier, no
# traffic, on either end; one end down drops carrier on both.

source "$(dirname "$0")/lib.sh"

NSA=kpcar-a-$$
NSB=kpcar-b-$$
NSL=kpcar-l-$$
ADDR_A=10.82.0.1
ADDR_B=10.82.0.2
ADDR_L=10.82.1.1
PORT=7004

# expect_carrier NETNS DEV CARRIER ADMIN_CARRIER
expect_carrier() {
	local got

	got=$("$KPCTL" -n "$1" -j loop show "$2" |
	      jq -r '.[0] | "\(.carrier) \(.admin_carrier)"')
	kp_eq "$2 carrier, admin_carrier" "$3 $4" "$got"
}

# operstate NETNS DEV: from sysfs, polled often (jq is slow to start).
operstate() {
	ip netns exec "$1" cat "/sys/class/net/$2/operstate"
}

is_up() { [ "$(operstate "$1" "$2")" = up ]; }
is_not_up() { [ "$(operstate "$1" "$2")" != up ]; }

no_carrier_flag() {
	ip -n "$1" -o link show "$2" | grep -q '<[^>]*NO-CARRIER'
}

snap() {
	A=$(kp_stats a0 "$NSA")
	B=$(kp_stats b0 "$NSB")
}

# expect_blocked: no ping gets across, in either direction, and no frame is
# transmitted or received by either end.
expect_blocked() {
	local A0 B0 c

	kp_wait_until 5 is_not_up "$NSA" a0
	kp_wait_until 5 is_not_up "$NSB" b0
	no_carrier_flag "$NSA" a0 || kp_fail "a0 lacks NO-CARRIER"
	no_carrier_flag "$NSB" b0 || kp_fail "b0 lacks NO-CARRIER"
	snap; A0=$A; B0=$B
	if ip netns exec "$NSA" ping -c 3 -i 0.1 -W 1 -q "$ADDR_B"; then
		kp_fail "ping a0 -> b0 works without carrier"
	fi
	if ip netns exec "$NSB" ping -c 3 -i 0.1 -W 1 -q "$ADDR_A"; then
		kp_fail "ping b0 -> a0 works without carrier"
	fi
	snap
	kp_log "a0 before: $A0"
	kp_log "a0 after:  $A"
	kp_log "b0 before: $B0"
	kp_log "b0 after:  $B"
	for c in tx_packets rx_packets; do
		kp_eq "a0 $c delta" 0 "$(kp_delta "$c" "$A0" "$A")"
		kp_eq "b0 $c delta" 0 "$(kp_delta "$c" "$B0" "$B")"
	done
}

# expect_flowing: carrier back on both ends, 3 pings with exact counters.
expect_flowing() {
	local A0 B0

	expect_carrier "$NSA" a0 true true
	expect_carrier "$NSB" b0 true true
	kp_wait_until 5 is_up "$NSA" a0
	kp_wait_until 5 is_up "$NSB" b0
	snap; A0=$A; B0=$B
	ip netns exec "$NSA" ping -c 3 -i 0.1 -W 2 -q "$ADDR_B"
	snap
	kp_log "a0 after: $A"
	kp_eq "a0 tx_packets delta" 3 "$(kp_delta tx_packets "$A0" "$A")"
	kp_eq "b0 rx_packets delta" 3 "$(kp_delta rx_packets "$B0" "$B")"
	kp_eq "b0 tx_packets delta" 3 "$(kp_delta tx_packets "$B0" "$B")"
	kp_eq "a0 rx_packets delta" 3 "$(kp_delta rx_packets "$A0" "$A")"
}

test_create() {
	kp_pair "$NSA" a0 "$ADDR_A" "$NSB" b0 "$ADDR_B"
	expect_flowing
}

test_kpctl_carrier() {
	"$KPCTL" -n "$NSA" loop set a0 carrier off
	expect_carrier "$NSA" a0 false false
	expect_carrier "$NSB" b0 false true
	expect_blocked
	"$KPCTL" -n "$NSA" loop set a0 carrier on
	expect_flowing
}

test_ip_carrier() {
	ip -n "$NSA" link set a0 carrier off
	expect_carrier "$NSA" a0 false false
	expect_carrier "$NSB" b0 false true
	expect_blocked
	ip -n "$NSA" link set a0 carrier on
	expect_flowing

	# and from the other end
	ip -n "$NSB" link set b0 carrier off
	expect_carrier "$NSA" a0 false true
	expect_carrier "$NSB" b0 false false
	expect_blocked
	ip -n "$NSB" link set b0 carrier on
	expect_flowing
}

test_one_end_down() {
	ip -n "$NSB" link set b0 down
	expect_carrier "$NSA" a0 false true
	expect_carrier "$NSB" b0 false true
	kp_wait_until 5 is_not_up "$NSA" a0
	no_carrier_flag "$NSA" a0 || kp_fail "a0 lacks NO-CARRIER"
	if ip netns exec "$NSA" ping -c 2 -i 0.1 -W 1 -q "$ADDR_B"; then
		kp_fail "ping a0 -> b0 works with b0 down"
	fi
	ip -n "$NSB" link set b0 up
	kp_static_neigh "$NSA" a0 "$ADDR_A" "$NSB" b0 "$ADDR_B"
	expect_flowing

	ip -n "$NSA" link set a0 down
	expect_carrier "$NSA" a0 false true
	expect_carrier "$NSB" b0 false true
	kp_wait_until 5 is_not_up "$NSB" b0
	no_carrier_flag "$NSB" b0 || kp_fail "b0 lacks NO-CARRIER"
	ip -n "$NSA" link set a0 up
	kp_static_neigh "$NSA" a0 "$ADDR_A" "$NSB" b0 "$ADDR_B"
	expect_flowing
}

# loop_inject N SEQ: inject N frames on kp0, to the receiver on ADDR_L.
loop_inject() {
	ip netns exec "$NSL" "$KP_UDP" inject -i kp0 -c "$1" -S "$2" \
		--src-ip 10.82.1.2 --dst-ip "$ADDR_L" "$PORT" >/dev/null
}

test_loop() {
	local L0 L

	ip -n "$NSL" link add kp0 type kploop
	ip -n "$NSL" addr add "$ADDR_L/24" dev kp0
	ip -n "$NSL" link set kp0 up
	expect_carrier "$NSL" kp0 true true
	kp_wait_until 5 is_up "$NSL" kp0

	"$KPCTL" -n "$NSL" loop set kp0 carrier off
	expect_carrier "$NSL" kp0 false false
	kp_wait_until 5 is_not_up "$NSL" kp0
	L0=$(kp_stats kp0 "$NSL")
	kp_udp_recv_bg "$NSL" "$KP_TMPDIR/rx" -t 1500 -w 1500 "$PORT"
	loop_inject 20 0
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	L=$(kp_stats kp0 "$NSL")
	kp_log "carrier off: receiver: $KP_RES"
	kp_log "kp0 before: $L0"
	kp_log "kp0 after:  $L"
	kp_eq "datagrams received without carrier" 0 "$(kp_kv received "$KP_RES")"
	kp_eq "kp0 tx_packets delta" 0 "$(kp_delta tx_packets "$L0" "$L")"
	kp_eq "kp0 rx_packets delta" 0 "$(kp_delta rx_packets "$L0" "$L")"

	"$KPCTL" -n "$NSL" loop set kp0 carrier on
	expect_carrier "$NSL" kp0 true true
	kp_wait_until 5 is_up "$NSL" kp0
	L0=$L
	kp_udp_recv_bg "$NSL" "$KP_TMPDIR/rx" -c 20 -t 3000 "$PORT"
	loop_inject 20 100
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	L=$(kp_stats kp0 "$NSL")
	kp_log "carrier on: receiver: $KP_RES"
	kp_eq "datagrams received with carrier" "20 20 0" \
		"$(kp_kv received "$KP_RES") $(kp_kv unique "$KP_RES") $(kp_kv bad "$KP_RES")"
	kp_eq "kp0 tx_packets delta" 20 "$(kp_delta tx_packets "$L0" "$L")"
	kp_eq "kp0 rx_packets delta" 20 "$(kp_delta rx_packets "$L0" "$L")"

	# ip link set carrier, and down: carrier off, admin carrier as set
	ip -n "$NSL" link set kp0 carrier off
	expect_carrier "$NSL" kp0 false false
	ip -n "$NSL" link set kp0 carrier on
	expect_carrier "$NSL" kp0 true true
	ip -n "$NSL" link set kp0 down
	expect_carrier "$NSL" kp0 false true
	ip -n "$NSL" link set kp0 up
	expect_carrier "$NSL" kp0 true true
}

kp_setup
kp_need_udp
kp_tmpdir
kp_plan 5
kp_netns_add "$NSA" "$NSB" "$NSL"
kp_run "carrier: pair up, traffic flows" test_create
kp_run "carrier: kpctl carrier off stops traffic on the pair, on restores" test_kpctl_carrier
kp_run "carrier: ip link set carrier off/on, either end" test_ip_carrier
kp_run "carrier: one end down drops carrier on both" test_one_end_down
kp_run "carrier: loop mode" test_loop
kp_exit
