#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Loop mode: a frame injected with AF_PACKET on kp0 comes back in on kp0
# and is delivered to a local UDP socket, payload intact, with exact
# counters; a frame for a foreign MAC comes back (and is counted) but is
# not delivered.  Pair mode: a frame injected with AF_PACKET on one end
# arrives on the peer in another netns (an AF_PACKET send reaches
# ndo_start_xmit without the rcu_read_lock() that IPv4 output holds: the
# debug kernel's PROVE_RCU checks the peer lookup there).

source "$(dirname "$0")/lib.sh"

NS=kpinj-$$
NSB=kpinj-b-$$
DEV=kp0
ADDR=10.77.0.1
PEER_ADDR=10.77.0.2	# the injected frames' source, not configured anywhere
PORT=7001

test_create() {
	local mode

	ip -n "$NS" link add "$DEV" type kploop
	ip -n "$NS" addr add "$ADDR/24" dev "$DEV"
	ip -n "$NS" link set "$DEV" up
	mode=$("$KPCTL" -n "$NS" -j loop show "$DEV" | jq -r '.[0].mode')
	kp_eq "mode of $DEV" loop "$mode"
	kp_wait_until 5 kp_oper_up
}

kp_oper_up() {
	[ "$(ip -n "$NS" -j link show "$DEV" | jq -r '.[0].operstate')" = UP ]
}

# inject COUNT SIZE SEQ [kp_udp inject options]: the frame length printed.
inject() {
	local count=$1 size=$2 seq=$3 out
	shift 3

	out=$(ip netns exec "$NS" "$KP_UDP" inject -i "$DEV" -c "$count" \
	      -s "$size" -S "$seq" --src-ip "$PEER_ADDR" --dst-ip "$ADDR" \
	      "$@" "$PORT")
	kp_log "inject: $out" >&2
	kp_eq "frames injected" "$count" "$(kp_kv sent "$out")"
	kp_kv frame_len "$out"
}

test_deliver() {
	local n=500 size=200 flen=$((14 + 20 + 8 + 200))
	local before after res len rx ip_before ip_after

	before=$(kp_stats "$DEV" "$NS")
	ip_before=$(ip -n "$NS" -j -s link show "$DEV")
	# -c ends it as soon as all arrived; the idle timeout only has to
	# outlast a slow start of the injector under TCG (a CI run once saw
	# the receiver give up first, and 500 ICMP port unreachables).
	kp_udp_recv_bg "$NS" "$KP_TMPDIR/rx" -c "$n" -t 20000 "$PORT"
	len=$(inject "$n" "$size" 0)
	kp_eq "frame length reported by kp_udp" "$flen" "$len"
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	res=$KP_RES
	after=$(kp_stats "$DEV" "$NS")
	ip_after=$(ip -n "$NS" -j -s link show "$DEV")
	kp_log "receiver: $res"
	kp_log "before: $before"
	kp_log "after:  $after"

	kp_eq "datagrams received" "$n" "$(kp_kv received "$res")"
	kp_eq "distinct datagrams" "$n" "$(kp_kv unique "$res")"
	kp_eq "bad payloads" 0 "$(kp_kv bad "$res")"
	kp_eq "duplicates" 0 "$(kp_kv dups "$res")"
	kp_eq "lowest sequence number" 0 "$(kp_kv min_seq "$res")"
	kp_eq "highest sequence number" $((n - 1)) "$(kp_kv max_seq "$res")"

	kp_eq "tx_packets delta" "$n" "$(kp_delta tx_packets "$before" "$after")"
	kp_eq "rx_packets delta" "$n" "$(kp_delta rx_packets "$before" "$after")"
	kp_eq "tx_bytes delta" $((n * flen)) \
		"$(kp_delta tx_bytes "$before" "$after")"
	kp_eq "rx_bytes delta" $((n * flen)) \
		"$(kp_delta rx_bytes "$before" "$after")"
	for c in rx_backlog_drops rx_other_drops tx_carrier_drops fault_drops \
		 fault_corrupts fault_dups; do
		kp_eq "$c delta" 0 "$(kp_delta "$c" "$before" "$after")"
	done

	# The core's view (ndo_get_stats64) agrees.
	rx=$(jq -rn --argjson a "$ip_after" --argjson b "$ip_before" \
	     '[$a[0].stats64.rx.packets - $b[0].stats64.rx.packets,
	       $a[0].stats64.tx.packets - $b[0].stats64.tx.packets,
	       $a[0].stats64.rx.bytes - $b[0].stats64.rx.bytes] | join(" ")')
	kp_eq "ip -s link: rx, tx packets, rx bytes" "$n $n $((n * flen))" "$rx"
}

test_foreign_mac() {
	local n=50 size=64 flen=$((14 + 20 + 8 + 64))
	local before after res

	before=$(kp_stats "$DEV" "$NS")
	kp_udp_recv_bg "$NS" "$KP_TMPDIR/rx" -t 2000 "$PORT"
	# Sequence numbers 1000.. for a foreign destination MAC, then a single
	# frame (1999) for ours: the socket is live, only that one arrives.
	inject "$n" "$size" 1000 --dst-mac 02:00:5e:00:53:01 >/dev/null
	inject 1 "$size" 1999 >/dev/null
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	res=$KP_RES
	after=$(kp_stats "$DEV" "$NS")
	kp_log "receiver: $res"
	kp_log "before: $before"
	kp_log "after:  $after"

	kp_eq "datagrams received" 1 "$(kp_kv received "$res")"
	kp_eq "the one for our MAC" "1999 1999" \
		"$(kp_kv min_seq "$res") $(kp_kv max_seq "$res")"
	kp_eq "bad payloads" 0 "$(kp_kv bad "$res")"
	kp_eq "tx_packets delta" $((n + 1)) \
		"$(kp_delta tx_packets "$before" "$after")"
	kp_eq "rx_packets delta (foreign frames are received too)" $((n + 1)) \
		"$(kp_delta rx_packets "$before" "$after")"
	kp_eq "rx_bytes delta" $(((n + 1) * flen)) \
		"$(kp_delta rx_bytes "$before" "$after")"
}

test_pair() {
	local n=200 size=100 flen=$((14 + 20 + 8 + 100))
	local before after res macb out

	kp_pair "$NS" pa0 10.77.1.1 "$NSB" pb0 10.77.1.2
	macb=$(ip -n "$NSB" -j link show pb0 | jq -r '.[0].address')
	before=$(kp_stats pb0 "$NSB")
	kp_udp_recv_bg "$NSB" "$KP_TMPDIR/rxp" -c "$n" -t 20000 "$PORT"
	out=$(ip netns exec "$NS" "$KP_UDP" inject -i pa0 -c "$n" -s "$size" \
	      -S 0 --src-ip 10.77.1.1 --dst-ip 10.77.1.2 --dst-mac "$macb" \
	      "$PORT")
	kp_log "inject: $out"
	kp_eq "frames injected" "$n" "$(kp_kv sent "$out")"
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rxp"
	res=$KP_RES
	after=$(kp_stats pb0 "$NSB")
	kp_log "receiver: $res"
	kp_eq "datagrams received on the peer" "$n" "$(kp_kv received "$res")"
	kp_eq "distinct datagrams" "$n" "$(kp_kv unique "$res")"
	kp_eq "bad payloads" 0 "$(kp_kv bad "$res")"
	kp_eq "peer rx_packets delta" "$n" "$(kp_delta rx_packets "$before" "$after")"
	kp_eq "peer rx_bytes delta" $((n * flen)) \
		"$(kp_delta rx_bytes "$before" "$after")"
}

kp_setup
kp_need_udp
kp_tmpdir
kp_plan 4
kp_netns_add "$NS" "$NSB"
kp_run "inject: loop device $DEV up in netns" test_create
kp_run "inject: AF_PACKET frames delivered intact, counters exact" test_deliver
kp_run "inject: foreign destination MAC counted, not delivered" test_foreign_mac
kp_run "inject: pair mode, AF_PACKET on one end arrives on the peer" test_pair
kp_exit
