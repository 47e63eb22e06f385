#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MTU limits (68 .. KP_LOOP_MAX_MTU) in both modes; a frame too big for
# the receiving end of a pair is dropped there and counted; 64K frames
# cross a pair whose MTUs are both 65536.

source "$(dirname "$0")/lib.sh"

NSL=kpmtu-l-$$
NSA=kpmtu-a-$$
NSB=kpmtu-b-$$
PORT=7003
MIN_MTU=68
MAX_MTU=$(awk '$2 == "KP_LOOP_MAX_MTU" { print $3 }' \
	  "$KP_REPO/kmod/include/uapi/linux/kp_loop.h")

mtu_of() {
	ip -n "$1" -j link show "$2" | jq -er '.[0].mtu'
}

# check_limits NETNS DEV: the MTU range of DEV, as set with ip link.
check_limits() {
	local ns=$1 dev=$2 info

	info=$(ip -n "$ns" -d -j link show "$dev")
	kp_eq "$dev min_mtu" "$MIN_MTU" "$(jq -r '.[0].min_mtu' <<<"$info")"
	kp_eq "$dev max_mtu" "$MAX_MTU" "$(jq -r '.[0].max_mtu' <<<"$info")"

	ip -n "$ns" link set "$dev" mtu "$MIN_MTU"
	kp_eq "$dev mtu after setting $MIN_MTU" "$MIN_MTU" "$(mtu_of "$ns" "$dev")"
	kp_expect_fail "Error: mtu less than device minimum." \
		ip -n "$ns" link set "$dev" mtu $((MIN_MTU - 1))
	kp_eq "$dev mtu after a rejected $((MIN_MTU - 1))" "$MIN_MTU" \
		"$(mtu_of "$ns" "$dev")"

	ip -n "$ns" link set "$dev" mtu "$MAX_MTU"
	kp_eq "$dev mtu after setting $MAX_MTU" "$MAX_MTU" "$(mtu_of "$ns" "$dev")"
	kp_expect_fail "Error: mtu greater than device maximum." \
		ip -n "$ns" link set "$dev" mtu $((MAX_MTU + 1))
	kp_eq "$dev mtu after a rejected $((MAX_MTU + 1))" "$MAX_MTU" \
		"$(mtu_of "$ns" "$dev")"

	# kpctl reports what the core holds
	kp_eq "kpctl: $dev mtu" "$MAX_MTU" \
		"$("$KPCTL" -n "$ns" -j loop show "$dev" | jq -r '.[0].mtu')"
	ip -n "$ns" link set "$dev" mtu 1500
}

test_loop_limits() {
	[ -n "$MAX_MTU" ] || kp_fail "KP_LOOP_MAX_MTU not found in the uapi header"
	kp_eq "KP_LOOP_MAX_MTU" 65536 "$MAX_MTU"
	ip -n "$NSL" link add kp0 type kploop
	check_limits "$NSL" kp0
	# out of range at creation: rejected, nothing created
	kp_expect_fail "Error: mtu less than device minimum." \
		ip -n "$NSL" link add kp1 mtu $((MIN_MTU - 1)) type kploop
	kp_expect_fail "Error: mtu greater than device maximum." \
		ip -n "$NSL" link add kp1 mtu $((MAX_MTU + 1)) type kploop
	if ip -n "$NSL" link show kp1 >/dev/null 2>&1; then
		kp_fail "kp1 exists after failed creations"
	fi
	ip -n "$NSL" link add kp1 mtu "$MAX_MTU" type kploop
	kp_eq "kp1 created with mtu $MAX_MTU" "$MAX_MTU" "$(mtu_of "$NSL" kp1)"
}

test_pair_limits() {
	kp_pair "$NSA" a0 10.81.0.1 "$NSB" b0 10.81.0.2
	check_limits "$NSA" a0
	check_limits "$NSB" b0
}

test_too_big() {
	local A0 B0 A B drop0 drop1 out

	kp_pair "$NSA" a1 10.81.1.1 "$NSB" b1 10.81.1.2
	ip -n "$NSA" link set a1 mtu 9000
	ip -n "$NSB" link set b1 mtu 1500

	# One 4000-byte IP packet (4014-byte frame) fits a1, not b1.
	A0=$(kp_stats a1 "$NSA"); B0=$(kp_stats b1 "$NSB")
	drop0=$(kp_link_stat b1 rx_dropped "$NSB")
	if ip netns exec "$NSA" ping -c 1 -W 1 -M dont -s 3972 -q 10.81.1.2; then
		kp_fail "a 4000-byte ping got through to b1 (mtu 1500)"
	fi
	A=$(kp_stats a1 "$NSA"); B=$(kp_stats b1 "$NSB")
	drop1=$(kp_link_stat b1 rx_dropped "$NSB")
	kp_log "a1 before: $A0"
	kp_log "a1 after:  $A"
	kp_log "b1 before: $B0"
	kp_log "b1 after:  $B"
	kp_log "b1 rx_dropped (ip -s link): $drop0 -> $drop1"
	kp_eq "a1 tx_packets delta" 1 "$(kp_delta tx_packets "$A0" "$A")"
	kp_eq "a1 tx_bytes delta" 4014 "$(kp_delta tx_bytes "$A0" "$A")"
	kp_eq "b1 rx_other_drops delta" 1 "$(kp_delta rx_other_drops "$B0" "$B")"
	kp_eq "b1 rx_packets delta" 0 "$(kp_delta rx_packets "$B0" "$B")"
	kp_eq "b1 rx_backlog_drops delta" 0 \
		"$(kp_delta rx_backlog_drops "$B0" "$B")"
	kp_eq "b1 rx_dropped (core) delta" 1 $((drop1 - drop0))

	# 1400-byte packets pass both ways (ping), and intact (UDP).
	A0=$A; B0=$B
	ip netns exec "$NSA" ping -c 5 -i 0.01 -W 2 -M "do" -s 1372 -q 10.81.1.2
	kp_udp_recv_bg "$NSB" "$KP_TMPDIR/rx" -c 200 -t 3000 "$PORT"
	out=$(ip netns exec "$NSA" "$KP_UDP" send -d -c 200 -s 1372 \
	      10.81.1.2 "$PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	kp_log "sender: $out; receiver: $KP_RES"
	kp_eq "1400-byte datagrams received intact" "200 200 0" \
		"$(kp_kv received "$KP_RES") $(kp_kv unique "$KP_RES") $(kp_kv bad "$KP_RES")"
	A=$(kp_stats a1 "$NSA"); B=$(kp_stats b1 "$NSB")
	kp_log "b1 after:  $B"
	kp_eq "b1 rx_packets delta" 205 "$(kp_delta rx_packets "$B0" "$B")"
	kp_eq "b1 rx_other_drops delta" 0 "$(kp_delta rx_other_drops "$B0" "$B")"
	kp_eq "a1 rx_packets delta (echo replies)" 5 \
		"$(kp_delta rx_packets "$A0" "$A")"
}

test_64k() {
	local n=40 size=65000 flen=$((14 + 20 + 8 + 65000)) A0 B0 A B out
	local in=$KP_TMPDIR/tcp.in tout=$KP_TMPDIR/tcp.out pid rc=0 tx txb

	kp_pair "$NSA" a2 10.81.2.1 "$NSB" b2 10.81.2.2
	ip -n "$NSA" link set a2 mtu "$MAX_MTU"
	ip -n "$NSB" link set b2 mtu "$MAX_MTU"

	# 65000-byte datagrams: one 65042-byte frame each, not fragmented.
	A0=$(kp_stats a2 "$NSA"); B0=$(kp_stats b2 "$NSB")
	kp_udp_recv_bg "$NSB" "$KP_TMPDIR/rx" -c "$n" -t 3000 "$PORT"
	out=$(ip netns exec "$NSA" "$KP_UDP" send -d -c "$n" -s "$size" \
	      10.81.2.2 "$PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	A=$(kp_stats a2 "$NSA"); B=$(kp_stats b2 "$NSB")
	kp_log "sender: $out; receiver: $KP_RES"
	kp_log "a2 after: $A"
	kp_log "b2 after: $B"
	kp_eq "65000-byte datagrams received intact" "$n $n 0 0" \
		"$(kp_kv received "$KP_RES") $(kp_kv unique "$KP_RES") $(kp_kv bad "$KP_RES") $(kp_kv dups "$KP_RES")"
	kp_eq "a2 tx_packets delta" "$n" "$(kp_delta tx_packets "$A0" "$A")"
	kp_eq "a2 tx_bytes delta" $((n * flen)) "$(kp_delta tx_bytes "$A0" "$A")"
	kp_eq "b2 rx_packets delta" "$n" "$(kp_delta rx_packets "$B0" "$B")"
	kp_eq "b2 rx_bytes delta" $((n * flen)) "$(kp_delta rx_bytes "$B0" "$B")"

	# TCP over 64K MTUs (GSO): intact, and in frames far above 1514 bytes.
	head -c $((4 << 20)) /dev/urandom >"$in"
	A0=$A; B0=$B
	rm -f "$tout.ready"
	ip netns exec "$NSB" "$KP_UDP" tcp-recv -t 20000 -r "$tout.ready" \
		"$PORT" >"$tout" &
	pid=$!
	kp_wait_file "$tout.ready"
	ip netns exec "$NSA" timeout 120 "$KP_UDP" tcp-send 10.81.2.2 "$PORT" \
		<"$in" >/dev/null
	wait "$pid" || rc=$?
	kp_eq "tcp-recv exit status" 0 "$rc"
	kp_eq "sha256 of the TCP data" "$(sha256sum <"$in")" \
		"$(sha256sum <"$tout")"
	A=$(kp_stats a2 "$NSA"); B=$(kp_stats b2 "$NSB")
	tx=$(kp_delta tx_packets "$A0" "$A")
	txb=$(kp_delta tx_bytes "$A0" "$A")
	kp_log "a2 sent $tx frames, $txb bytes, for 4 MiB over TCP"
	kp_eq "b2 rx_packets delta == a2 tx_packets delta" "$tx" \
		"$(kp_delta rx_packets "$B0" "$B")"
	[ "$tx" -gt 0 ] && [ $((txb / tx)) -gt 9000 ] ||
		kp_fail "average frame $((txb / (tx ? tx : 1))) bytes: no large frames"
}

kp_setup
kp_need_udp
kp_tmpdir
kp_plan 4
kp_netns_add "$NSL" "$NSA" "$NSB"
kp_run "mtu: loop mode, 68..65536 accepted, 67 and 65537 rejected" test_loop_limits
kp_run "mtu: pair mode, both ends, same limits" test_pair_limits
kp_run "mtu: frame over the peer's MTU dropped and counted there" test_too_big
kp_run "mtu: 65000-byte UDP and TCP across a 65536-MTU pair" test_64k
kp_exit
