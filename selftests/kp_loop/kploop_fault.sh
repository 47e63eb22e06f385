#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection: drop, dup and corrupt rates give counts within 5 sigma
# of the binomial mean, and the accounting invariants of
# Documentation/kp_loop.rst hold exactly, as do the receiver's view (every
# datagram that arrives is intact; duplicates counted) and the kernel's
# checksum error counters.  Rates given in percent read back in ppm.
#
# KP_FAULT_N datagrams per case (default 50000; 10000 with kmemleak, on
# the debug kernel, where 50000 take 30-80 s a case: the bounds are
# computed from N, and the checkers see the same paths either way).

source "$(dirname "$0")/lib.sh"

NSA=kpflt-a-$$
NSB=kpflt-b-$$
NSL=kpflt-l-$$
ADDR_A=10.83.0.1
ADDR_B=10.83.0.2
ADDR_L=10.83.1.1
PORT=7005
if [ -e /sys/kernel/debug/kmemleak ]; then
	N=${KP_FAULT_N:-10000}
else
	N=${KP_FAULT_N:-50000}
fi
SIZE=64		# payload; 106-byte frames

show() {
	"$KPCTL" -n "$1" -j loop show "$2" | jq -er ".[0].$3"
}

# rates NETNS DEV: "DROP CORRUPT DUP" in ppm, from kpctl loop show -j.
rates() {
	"$KPCTL" -n "$1" -j loop show "$2" |
		jq -er '.[0] | "\(.drop_ppm) \(.corrupt_ppm) \(.dup_ppm)"'
}

oper_up() {
	[ "$(ip -n "$1" -j link show "$2" | jq -r '.[0].operstate')" = UP ]
}

snap() {
	A=$(kp_stats a0 "$NSA")
	B=$(kp_stats b0 "$NSB")
}

# d KEY DEV: the delta of a counter of a0 or b0 in the last traffic() run.
d() {
	case "$2" in
	a0) kp_delta "$1" "$A0" "$A" ;;
	b0) kp_delta "$1" "$B0" "$B" ;;
	esac
}

SNMP_KEYS="IpInHdrErrors IpExtInCsumErrors UdpInErrors UdpInCsumErrors UdpRcvbufErrors UdpInDatagrams"

snmp_snap() {
	# shellcheck disable=SC2086
	kp_snmp "$NSB" $SNMP_KEYS
}

# traffic: N datagrams a0 -> b0 with whatever faults are set; counters in
# A0/B0 (before) and A/B (after), SNMP deltas in SN, the receiver's
# summary in KP_RES.
traffic() {
	local out s0 s1 k t0

	t0=${EPOCHREALTIME/[.,]/}
	snap; A0=$A; B0=$B
	s0=$(snmp_snap)
	kp_udp_recv_bg "$NSB" "$KP_TMPDIR/rx" -t 2000 "$PORT"
	out=$(ip netns exec "$NSA" "$KP_UDP" send -c "$N" -s "$SIZE" \
	      "$ADDR_B" "$PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	snap
	s1=$(snmp_snap)
	SN=""
	for k in $SNMP_KEYS; do
		SN+="$k=$(kp_delta "$k" "$s0" "$s1") "
	done
	kp_log "$N datagrams in $(((${EPOCHREALTIME/[.,]/} - t0) / 1000)) ms"
	kp_log "sender: $out"
	kp_log "receiver: $KP_RES"
	kp_log "a0 delta: $(deltas "$A0" "$A")"
	kp_log "b0 delta: $(deltas "$B0" "$B")"
	kp_log "netns B SNMP delta: $SN"
	kp_eq "datagrams sent" "$N" "$(kp_kv sent "$out")"
	kp_eq "bad payloads" 0 "$(kp_kv bad "$KP_RES")"
	kp_eq "datagrams dropped by the receiving socket" 0 \
		"$(kp_kv sockdrops "$KP_RES")"
	kp_eq "UdpRcvbufErrors delta" 0 "$(kp_kv UdpRcvbufErrors "$SN")"
}

deltas() {
	local kv out=""

	for kv in $2; do
		out+="${kv%%=*}=$(kp_delta "${kv%%=*}" "$1" "$2") "
	done
	echo "$out"
}

# Invariants of Documentation/kp_loop.rst, exact, for a0 -> b0:
# frames = tx_packets - fault_dups + fault_drops + tx_carrier_drops (a0),
# tx_packets (a0) = rx_packets + rx_backlog_drops + rx_other_drops (b0),
# and the receiver got what b0 received (the socket dropped nothing).
check_invariants() {
	local tx rxall

	tx=$(d tx_packets a0)
	kp_eq "frames sent == tx_packets - fault_dups + fault_drops + tx_carrier_drops (a0)" \
		"$N" $((tx - $(d fault_dups a0) + $(d fault_drops a0) + $(d tx_carrier_drops a0)))
	rxall=$(($(d rx_packets b0) + $(d rx_backlog_drops b0) + $(d rx_other_drops b0)))
	kp_eq "tx_packets (a0) == rx_packets + rx_backlog_drops + rx_other_drops (b0)" \
		"$tx" "$rxall"
	kp_eq "a0 tx_carrier_drops delta" 0 "$(d tx_carrier_drops a0)"
	kp_eq "b0 rx_other_drops delta" 0 "$(d rx_other_drops b0)"
}

set_rates() {
	"$KPCTL" -n "$NSA" loop set a0 drop "$1" corrupt "$2" dup "$3"
}

test_create() {
	kp_pair "$NSA" a0 "$ADDR_A" "$NSB" b0 "$ADDR_B"
	[ "$N" -ge 1000 ] || kp_fail "KP_FAULT_N=$N is too small for the bounds"
}

test_percent() {
	set_rates 10% 0.5% 5%
	kp_eq "drop, corrupt, dup ppm for 10% 0.5% 5%" "100000 5000 50000" \
		"$(rates "$NSA" a0)"
	set_rates 100% 1 999999
	kp_eq "drop, corrupt, dup ppm for 100% 1 999999" "1000000 1 999999" \
		"$(rates "$NSA" a0)"
	# the peer is not affected
	kp_eq "b0 rates" "0 0 0" "$(rates "$NSB" b0)"
	kp_expect_fail "kpctl: invalid drop rate \"101%\": expected 0..1000000 ppm or a percentage" \
		"$KPCTL" -n "$NSA" loop set a0 drop 101%
	kp_expect_fail "kpctl: invalid drop rate \"1000001\": expected 0..1000000 ppm or a percentage" \
		"$KPCTL" -n "$NSA" loop set a0 drop 1000001
	kp_eq "rates after rejected values" "1000000 1 999999" "$(rates "$NSA" a0)"
	set_rates 0 0 0
	kp_eq "rates after 0 0 0" "0 0 0" "$(rates "$NSA" a0)"
}

test_drop() {
	local drops iptx0 iptx1

	set_rates 10% 0 0
	iptx0=$(kp_link_stat a0 tx_dropped "$NSA")
	traffic
	iptx1=$(kp_link_stat a0 tx_dropped "$NSA")
	set_rates 0 0 0
	check_invariants
	drops=$(d fault_drops a0)
	kp_binom_ok "fault_drops" "$N" 100000 "$drops"
	kp_eq "a0 fault_dups, fault_corrupts deltas" "0 0" \
		"$(d fault_dups a0) $(d fault_corrupts a0)"
	kp_eq "a0 tx_packets delta" $((N - drops)) "$(d tx_packets a0)"
	kp_eq "ip -s link tx_dropped delta (a0)" "$drops" $((iptx1 - iptx0))
	kp_eq "datagrams received == b0 rx_packets delta" \
		"$(d rx_packets b0)" "$(kp_kv received "$KP_RES")"
	kp_eq "distinct datagrams received" "$(d rx_packets b0)" \
		"$(kp_kv unique "$KP_RES")"
	kp_eq "duplicates received" 0 "$(kp_kv dups "$KP_RES")"
}

test_dup() {
	local dups

	set_rates 0 0 5%
	traffic
	set_rates 0 0 0
	check_invariants
	dups=$(d fault_dups a0)
	kp_binom_ok "fault_dups" "$N" 50000 "$dups"
	kp_eq "a0 fault_drops, fault_corrupts deltas" "0 0" \
		"$(d fault_drops a0) $(d fault_corrupts a0)"
	kp_eq "a0 tx_packets delta" $((N + dups)) "$(d tx_packets a0)"
	kp_eq "b0 rx_backlog_drops delta" 0 "$(d rx_backlog_drops b0)"
	kp_eq "datagrams received" $((N + dups)) "$(kp_kv received "$KP_RES")"
	kp_eq "distinct datagrams received" "$N" "$(kp_kv unique "$KP_RES")"
	kp_eq "duplicates received" "$dups" "$(kp_kv dups "$KP_RES")"
}

test_corrupt() {
	local corr ip udp ucsum rcvd z

	set_rates 0 10% 0
	traffic
	set_rates 0 0 0
	check_invariants
	corr=$(d fault_corrupts a0)
	kp_binom_ok "fault_corrupts" "$N" 100000 "$corr"
	kp_eq "a0 fault_drops, fault_dups deltas" "0 0" \
		"$(d fault_drops a0) $(d fault_dups a0)"
	kp_eq "a0 tx_packets delta" "$N" "$(d tx_packets a0)"
	kp_eq "b0 rx_packets delta" "$N" "$(d rx_packets b0)"
	rcvd=$(kp_kv received "$KP_RES")
	kp_eq "distinct datagrams received" "$rcvd" "$(kp_kv unique "$KP_RES")"
	kp_eq "duplicates received" 0 "$(kp_kv dups "$KP_RES")"
	kp_eq "UdpInDatagrams delta" "$rcvd" "$(kp_kv UdpInDatagrams "$SN")"

	# Every corrupted frame is dropped by IP (header checksum, version,
	# IHL: IpInHdrErrors) or by UDP (UdpInErrors: a checksum error, also
	# counted in UdpInCsumErrors, or a length field flipped beyond the
	# datagram, a "short packet" that is not a checksum error).
	# One corner: a UDP checksum with a single bit set, and that bit
	# flipped, reads 0, "no checksum" in IPv4, so the datagram is accepted,
	# its payload intact (about once in 600 runs of 5000 corruptions): z.
	ip=$(kp_kv IpInHdrErrors "$SN")
	udp=$(kp_kv UdpInErrors "$SN")
	ucsum=$(kp_kv UdpInCsumErrors "$SN")
	z=$((rcvd - (N - corr)))
	kp_log "intact datagrams received: $rcvd = N - fault_corrupts + $z"
	kp_range "corrupted datagrams delivered (UDP checksum flipped to 0)" \
		0 1 "$z"
	kp_eq "IpInHdrErrors + UdpInErrors deltas == fault_corrupts - $z" \
		$((corr - z)) $((ip + udp))
	kp_eq "received + IpInHdrErrors + UdpInErrors == datagrams sent" \
		"$N" $((rcvd + ip + udp))
	[ $((ip + ucsum)) -le "$corr" ] ||
		kp_fail "IpInHdrErrors + UdpInCsumErrors $((ip + ucsum)) > fault_corrupts $corr"
	[ "$ip" -gt 0 ] && [ "$ucsum" -gt 0 ] ||
		kp_fail "expected corruptions caught by both IP ($ip) and UDP ($ucsum)"
}

test_none() {
	local c

	set_rates 0 0 0
	traffic
	check_invariants
	for c in fault_drops fault_dups fault_corrupts; do
		kp_eq "a0 $c delta" 0 "$(d "$c" a0)"
	done
	kp_eq "a0 tx_packets delta" "$N" "$(d tx_packets a0)"
	kp_eq "b0 rx_packets delta" "$N" "$(d rx_packets b0)"
	kp_eq "datagrams received, distinct, dups" "$N $N 0" \
		"$(kp_kv received "$KP_RES") $(kp_kv unique "$KP_RES") $(kp_kv dups "$KP_RES")"
	kp_eq "UDP errors in netns B" "0 0" \
		"$(kp_kv UdpInErrors "$SN") $(kp_kv IpInHdrErrors "$SN")"
}

test_loop_mode() {
	local n=$((N / 4)) L0 L out drops

	ip -n "$NSL" link add kp0 type kploop
	ip -n "$NSL" addr add "$ADDR_L/24" dev kp0
	ip -n "$NSL" link set kp0 up
	kp_wait_until 5 oper_up "$NSL" kp0
	"$KPCTL" -n "$NSL" loop set kp0 drop 10%
	kp_eq "kp0 drop_ppm" 100000 "$(show "$NSL" kp0 drop_ppm)"

	L0=$(kp_stats kp0 "$NSL")
	kp_udp_recv_bg "$NSL" "$KP_TMPDIR/rx" -t 2000 "$PORT"
	out=$(ip netns exec "$NSL" "$KP_UDP" inject -i kp0 -c "$n" -s "$SIZE" \
	      --src-ip 10.83.1.2 --dst-ip "$ADDR_L" "$PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	L=$(kp_stats kp0 "$NSL")
	kp_log "inject: $out"
	kp_log "receiver: $KP_RES"
	kp_log "kp0 delta: $(deltas "$L0" "$L")"
	kp_eq "frames injected" "$n" "$(kp_kv sent "$out")"
	drops=$(kp_delta fault_drops "$L0" "$L")
	kp_binom_ok "kp0 fault_drops" "$n" 100000 "$drops"
	kp_eq "frames == tx_packets + fault_drops" "$n" \
		$(($(kp_delta tx_packets "$L0" "$L") + drops))
	kp_eq "rx_packets + rx_backlog_drops == tx_packets" \
		"$(kp_delta tx_packets "$L0" "$L")" \
		$(($(kp_delta rx_packets "$L0" "$L") + $(kp_delta rx_backlog_drops "$L0" "$L")))
	kp_eq "datagrams received == rx_packets" \
		"$(kp_delta rx_packets "$L0" "$L")" "$(kp_kv unique "$KP_RES")"
	kp_eq "bad, dups" "0 0" "$(kp_kv bad "$KP_RES") $(kp_kv dups "$KP_RES")"
}

# Frames dropped on receive, with their bytes: tx_packets and tx_bytes of a
# device are derived from what the receiving device counted, and a frame
# dropped there is in them.  With net.core.netdev_max_backlog 0 a backlog
# takes a frame only when it is empty, and with dup 100% each frame's copy
# follows it within the same transmit, before the softirq can drain it:
# every copy is a backlog drop.  (An original finds the backlog still full
# only if the previous frame's softirq was deferred to ksoftirqd: that moves
# a frame from rx_packets to rx_backlog_drops, the sums stay exact.)
test_backlog_drops() {
	local N=2000 flen=$((14 + 20 + 8 + SIZE)) old dropped0 dropped1 rx bd
	local L0 L out n=1000

	old=$(sysctl -n net.core.netdev_max_backlog)
	# shellcheck disable=SC2064 # expand now
	trap "sysctl -qw net.core.netdev_max_backlog=$old" EXIT
	dropped0=$(kp_link_stat b0 rx_dropped "$NSB")
	sysctl -qw net.core.netdev_max_backlog=0
	set_rates 0 0 100%
	traffic
	set_rates 0 0 0
	sysctl -qw net.core.netdev_max_backlog="$old"
	dropped1=$(kp_link_stat b0 rx_dropped "$NSB")
	check_invariants
	rx=$(d rx_packets b0)
	bd=$(d rx_backlog_drops b0)
	kp_log "b0: $rx received, $bd dropped on the backlog (expected $N each)"
	kp_eq "a0 fault_dups delta" "$N" "$(d fault_dups a0)"
	kp_eq "a0 tx_packets delta" $((2 * N)) "$(d tx_packets a0)"
	kp_eq "a0 tx_bytes delta (dropped copies included)" $((2 * N * flen)) \
		"$(d tx_bytes a0)"
	[ "$bd" -ge "$N" ] || kp_fail "b0 rx_backlog_drops delta $bd < $N copies"
	kp_eq "b0 rx_bytes delta" $((rx * flen)) "$(d rx_bytes b0)"
	kp_eq "b0 rx_dropped (core) delta == rx_backlog_drops delta" "$bd" \
		$((dropped1 - dropped0))
	kp_eq "datagrams received, distinct, dups" "$rx $rx 0" \
		"$(kp_kv received "$KP_RES") $(kp_kv unique "$KP_RES") $(kp_kv dups "$KP_RES")"

	# The same in loop mode: tx derived from the device's own counters.
	ip -n "$NSL" link add kb0 type kploop
	ip -n "$NSL" addr add 10.83.2.1/24 dev kb0
	ip -n "$NSL" link set kb0 up
	kp_wait_until 5 oper_up "$NSL" kb0
	L0=$(kp_stats kb0 "$NSL")
	kp_udp_recv_bg "$NSL" "$KP_TMPDIR/rx" -t 2000 "$PORT"
	sysctl -qw net.core.netdev_max_backlog=0
	"$KPCTL" -n "$NSL" loop set kb0 dup 100%
	out=$(ip netns exec "$NSL" "$KP_UDP" inject -i kb0 -c "$n" -s "$SIZE" \
	      --src-ip 10.83.2.2 --dst-ip 10.83.2.1 "$PORT")
	"$KPCTL" -n "$NSL" loop set kb0 dup 0
	sysctl -qw net.core.netdev_max_backlog="$old"
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	L=$(kp_stats kb0 "$NSL")
	kp_log "inject: $out"
	kp_log "receiver: $KP_RES"
	kp_log "kb0 delta: $(deltas "$L0" "$L")"
	kp_eq "frames injected" "$n" "$(kp_kv sent "$out")"
	rx=$(kp_delta rx_packets "$L0" "$L")
	bd=$(kp_delta rx_backlog_drops "$L0" "$L")
	kp_eq "kb0 fault_dups delta" "$n" "$(kp_delta fault_dups "$L0" "$L")"
	kp_eq "kb0 tx_packets delta" $((2 * n)) "$(kp_delta tx_packets "$L0" "$L")"
	kp_eq "kb0 rx_packets + rx_backlog_drops delta" $((2 * n)) $((rx + bd))
	[ "$bd" -ge "$n" ] || kp_fail "kb0 rx_backlog_drops delta $bd < $n copies"
	kp_eq "kb0 tx_bytes delta (dropped copies included)" $((2 * n * flen)) \
		"$(kp_delta tx_bytes "$L0" "$L")"
	kp_eq "kb0 rx_bytes delta" $((rx * flen)) "$(kp_delta rx_bytes "$L0" "$L")"
	kp_eq "datagrams received, distinct, dups" "$rx $rx 0" \
		"$(kp_kv received "$KP_RES") $(kp_kv unique "$KP_RES") $(kp_kv dups "$KP_RES")"
}

kp_setup
kp_need_udp
kp_tmpdir
kp_plan 8
kp_netns_add "$NSA" "$NSB" "$NSL"
kp_run "fault: pair up" test_create
kp_run "fault: rates in percent read back in ppm" test_percent
kp_run "fault: drop 10%, bounds and exact accounting" test_drop
kp_run "fault: dup 5%, receiver sees exactly the duplicates" test_dup
kp_run "fault: corrupt 10%, never delivered, caught by IP/UDP checksums" test_corrupt
kp_run "fault: all rates 0, no fault" test_none
kp_run "fault: loop mode drop 10% (AF_PACKET)" test_loop_mode
kp_run "fault: backlog drops (netdev_max_backlog 0, dup 100%), counted in tx with their bytes" \
	test_backlog_drops
kp_exit
