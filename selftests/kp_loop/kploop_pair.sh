#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pair mode across two netns: how ip and kpctl report the pair, then
# ping, UDP and TCP across it with exact counters and intact data.  With
# static neighbours and IPv6 off (kp_pair, kp_netns_add) the tests' own
# packets are the only traffic, so the counters are exact.

source "$(dirname "$0")/lib.sh"

NSA=kppair-a-$$
NSB=kppair-b-$$
ADDR_A=10.78.0.1
ADDR_B=10.78.0.2
PORT=7002

# ifindex DEV NETNS
ifindex() {
	ip -n "$2" -j link show "$1" | jq -er '.[0].ifindex'
}

# nsid_of NETNS PEER_NETNS: the id NETNS has for PEER_NETNS.
nsid_of() {
	ip -n "$1" -j netns list-id |
		jq -er --arg ns "$2" '.[] | select(.name == $ns) | .nsid'
}

check_side() {
	local ns=$1 dev=$2 pns=$3 pdev=$4
	local pidx nsid text info show

	pidx=$(ifindex "$pdev" "$pns")
	nsid=$(nsid_of "$ns" "$pns")
	text=$(ip -n "$ns" -d link show "$dev")
	info=$(ip -n "$ns" -d -j link show "$dev")
	show=$("$KPCTL" -n "$ns" -j loop show "$dev")
	kp_log "$text"
	kp_log "kpctl: $show"

	case "$text" in
	*"$dev@if$pidx:"*) ;;
	*) kp_fail "ip link: no '$dev@if$pidx' (peer $pdev is ifindex $pidx)" ;;
	esac
	case "$text" in
	*"link-netns $pns "*) ;;
	*) kp_fail "ip link: no 'link-netns $pns'" ;;
	esac
	kp_eq "$dev kind" kploop "$(jq -r '.[0].linkinfo.info_kind' <<<"$info")"
	kp_eq "$dev link_index" "$pidx" "$(jq -r '.[0].link_index' <<<"$info")"
	kp_eq "$dev link_netnsid" "$nsid" \
		"$(jq -r '.[0].link_netnsid' <<<"$info")"
	kp_eq "kpctl: $dev mode" pair "$(jq -r '.[0].mode' <<<"$show")"
	kp_eq "kpctl: $dev peer_ifindex" "$pidx" \
		"$(jq -r '.[0].peer_ifindex' <<<"$show")"
	kp_eq "kpctl: $dev link_netnsid" "$nsid" \
		"$(jq -r '.[0].link_netnsid' <<<"$show")"
	kp_eq "kpctl: $dev carrier" true "$(jq -r '.[0].carrier' <<<"$show")"
}

test_create() {
	kp_pair "$NSA" a0 "$ADDR_A" "$NSB" b0 "$ADDR_B"
	check_side "$NSA" a0 "$NSB" b0
	check_side "$NSB" b0 "$NSA" a0
}

# snap: the counters of both ends, in $A and $B.
snap() {
	A=$(kp_stats a0 "$NSA")
	B=$(kp_stats b0 "$NSB")
}

# expect_counters DEV BEFORE AFTER TXP TXB RXP RXB: exact deltas; no drop.
expect_counters() {
	local dev=$1 b=$2 a=$3 c

	kp_log "$dev before: $b"
	kp_log "$dev after:  $a"
	kp_eq "$dev tx_packets delta" "$4" "$(kp_delta tx_packets "$b" "$a")"
	kp_eq "$dev tx_bytes delta" "$5" "$(kp_delta tx_bytes "$b" "$a")"
	kp_eq "$dev rx_packets delta" "$6" "$(kp_delta rx_packets "$b" "$a")"
	kp_eq "$dev rx_bytes delta" "$7" "$(kp_delta rx_bytes "$b" "$a")"
	for c in rx_backlog_drops rx_other_drops tx_carrier_drops fault_drops \
		 fault_corrupts fault_dups; do
		kp_eq "$dev $c delta" 0 "$(kp_delta "$c" "$b" "$a")"
	done
}

test_ping() {
	local n=20 flen=$((14 + 20 + 8 + 56)) A0 B0 out

	snap; A0=$A; B0=$B
	out=$(ip netns exec "$NSA" ping -c "$n" -i 0.01 -W 2 -q "$ADDR_B")
	kp_log "$out"
	# the summary line without its time: no loss, no duplicates, no errors
	kp_eq "ping summary" "$n packets transmitted, $n received, 0% packet loss" \
		"$(sed -n 's/^\([0-9]* packets transmitted, .*\), time [0-9]*ms$/\1/p' <<<"$out")"
	snap
	# a0 sends n echo requests and receives n replies; b0 the converse.
	expect_counters a0 "$A0" "$A" "$n" $((n * flen)) "$n" $((n * flen))
	expect_counters b0 "$B0" "$B" "$n" $((n * flen)) "$n" $((n * flen))
}

# udp_one_way SRC_NS DST_NS DST_ADDR N SIZE: N datagrams, all intact.
udp_one_way() {
	local sns=$1 dns=$2 daddr=$3 n=$4 size=$5 out

	kp_udp_recv_bg "$dns" "$KP_TMPDIR/rx" -c "$n" -t 3000 "$PORT"
	out=$(ip netns exec "$sns" "$KP_UDP" send -c "$n" -s "$size" \
	      "$daddr" "$PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	kp_log "sender: $out; receiver: $KP_RES"
	kp_eq "datagrams sent" "$n" "$(kp_kv sent "$out")"
	kp_eq "datagrams received" "$n" "$(kp_kv received "$KP_RES")"
	kp_eq "distinct datagrams" "$n" "$(kp_kv unique "$KP_RES")"
	kp_eq "duplicates" 0 "$(kp_kv dups "$KP_RES")"
	kp_eq "bad payloads" 0 "$(kp_kv bad "$KP_RES")"
	kp_eq "sequence numbers" "0 $((n - 1))" \
		"$(kp_kv min_seq "$KP_RES") $(kp_kv max_seq "$KP_RES")"
}

test_udp() {
	local n=2000 size=1000 flen=$((14 + 20 + 8 + 1000)) A0 B0

	snap; A0=$A; B0=$B
	udp_one_way "$NSA" "$NSB" "$ADDR_B" "$n" "$size"
	snap
	expect_counters a0 "$A0" "$A" "$n" $((n * flen)) 0 0
	expect_counters b0 "$B0" "$B" 0 0 "$n" $((n * flen))

	# and back
	n=500
	snap; A0=$A; B0=$B
	udp_one_way "$NSB" "$NSA" "$ADDR_A" "$n" "$size"
	snap
	expect_counters a0 "$A0" "$A" 0 0 "$n" $((n * flen))
	expect_counters b0 "$B0" "$B" "$n" $((n * flen)) 0 0
}

# tx_matches_rx TX_DEV TX_BEFORE TX_AFTER RX_DEV RX_BEFORE RX_AFTER: every
# frame TX_DEV sent is counted at RX_DEV as received or dropped.
tx_matches_rx() {
	local tx rx drops

	tx=$(kp_delta tx_packets "$2" "$3")
	rx=$(kp_delta rx_packets "$5" "$6")
	drops=$(($(kp_delta rx_backlog_drops "$5" "$6") +
		 $(kp_delta rx_other_drops "$5" "$6")))
	kp_log "$1 sent $tx frames; $4 received $rx, dropped $drops"
	[ "$tx" -gt 0 ] && [ "$rx" -gt 0 ] ||
		kp_fail "no TCP traffic counted ($1 tx $tx, $4 rx $rx)"
	kp_eq "$1 tx_packets == $4 rx_packets + drops" "$tx" $((rx + drops))
	if [ "$drops" -eq 0 ]; then
		kp_eq "$1 tx_bytes == $4 rx_bytes" \
			"$(kp_delta tx_bytes "$2" "$3")" \
			"$(kp_delta rx_bytes "$5" "$6")"
	fi
}

test_tcp() {
	local in=$KP_TMPDIR/tcp.in out=$KP_TMPDIR/tcp.out A0 B0 pid rc=0
	local sent sum_in sum_out

	head -c $((4 << 20)) /dev/urandom >"$in"
	snap; A0=$A; B0=$B
	rm -f "$out.ready"
	ip netns exec "$NSB" "$KP_UDP" tcp-recv -t 20000 -r "$out.ready" \
		"$PORT" >"$out" 2>"$out.err" &
	pid=$!
	kp_wait_file "$out.ready"
	sent=$(ip netns exec "$NSA" timeout 120 "$KP_UDP" tcp-send \
	       "$ADDR_B" "$PORT" <"$in")
	wait "$pid" || rc=$?
	kp_log "tcp-send: $sent; tcp-recv: $(cat "$out.err")"
	kp_eq "tcp-recv exit status" 0 "$rc"
	kp_eq "bytes sent" $((4 << 20)) "$(kp_kv sent "$sent")"
	sum_in=$(sha256sum <"$in")
	sum_out=$(sha256sum <"$out")
	kp_eq "sha256 of the data received" "$sum_in" "$sum_out"
	snap
	kp_log "a0 before: $A0"
	kp_log "a0 after:  $A"
	kp_log "b0 before: $B0"
	kp_log "b0 after:  $B"
	tx_matches_rx a0 "$A0" "$A" b0 "$B0" "$B"
	tx_matches_rx b0 "$B0" "$B" a0 "$A0" "$A"
}

kp_setup
kp_need_udp
kp_tmpdir
kp_plan 4
kp_netns_add "$NSA" "$NSB"
kp_run "pair: ip -d link and kpctl loop show report the pair" test_create
kp_run "pair: ping, exact counters on both ends" test_ping
kp_run "pair: UDP both ways, data intact, exact counters" test_udp
kp_run "pair: TCP 4 MB, sha256 equal, counters consistent" test_tcp
kp_exit
