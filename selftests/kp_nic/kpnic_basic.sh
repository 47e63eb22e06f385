#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kp_nic on two emulated 82576 (QEMU -device igb) in two netns: probe and
# ethtool, exact UDP counters, TCP integrity both ways, the MTU range,
# bad settings refused, TX timeout recovery, forced DMA mapping errors,
# deferred doorbells, ifdown/ifup under traffic.

source "$(dirname "$0")/lib.sh"

NSA=kna-$$
NSB=knb-$$
IPA=10.90.0.1
IPB=10.90.0.2

test_probe() {
	local mac line

	line=$(dmesg | grep "kp_nic $KN_A .*Intel 82576 at $KN_A" | tail -n1)
	kp_log "$line"
	mac=$(ip netns exec "$NSA" cat "/sys/class/net/$KN_DEV_A/address")
	# the MAC comes from the NVM: QEMU puts the -device mac= there
	kp_eq "MAC address of $KN_A" 52:54:00:12:34:10 "$mac"
	case "$line" in
	*"$mac, PHY 02a80391, MSI-X interrupts, $(kn_queues) queue pair(s)") ;;
	*) kp_fail "probe message: '$line'" ;;
	esac
	kp_eq "driver" "driver: kp_nic" \
		"$(ip netns exec "$NSA" ethtool -i "$KN_DEV_A" | grep '^driver:')"
	kp_eq "bus-info" "bus-info: $KN_A" \
		"$(ip netns exec "$NSA" ethtool -i "$KN_DEV_A" | grep '^bus-info:')"
	ip netns exec "$NSA" ethtool "$KN_DEV_A" | grep -q 'Speed: 1000Mb/s' ||
		kp_fail "no 'Speed: 1000Mb/s' in ethtool"
	ip netns exec "$NSA" ethtool "$KN_DEV_A" | grep -q 'Duplex: Full' ||
		kp_fail "no 'Duplex: Full' in ethtool"
	kp_eq "ring sizes (max rx, max tx, rx, tx)" "4096 4096 256 256" \
		"$(ip netns exec "$NSA" ethtool -g "$KN_DEV_A" |
		   awk '/^(RX|TX):/ { printf "%s%s", s, $2; s = " " }')"
	grep -q " $KN_DEV_A-TxRx-0\$" /proc/interrupts ||
		kp_fail "no $KN_DEV_A-TxRx-0 vector in /proc/interrupts"
	grep -q " $KN_DEV_A\$" /proc/interrupts ||
		kp_fail "no $KN_DEV_A (other) vector in /proc/interrupts"
}

test_udp() {
	# 42-byte frames (ICMP without payload): kp_nic pads them to 60
	ip netns exec "$NSA" ping -q -c 20 -i 0.05 -W 5 -s 0 "$IPB" >/dev/null
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 1000 24
	kn_udp_exact "$NSB" "$KN_DEV_B" "$NSA" "$KN_DEV_A" "$IPA" 1000 1472
	kp_eq "short frames seen by B (padded to 60 by kp_nic)" 0 \
		"$(kn_ethtool_stat "$NSB" "$KN_DEV_B" rx_short_length_errors)"
	kp_eq "rx drops on B" 0 \
		"$(kn_qsum "$NSB" "$KN_DEV_B" rx drops)"
}

test_tcp() {
	kn_tcp_sha "$NSA" "$NSB" "$IPB" 20
	kn_tcp_sha "$NSB" "$NSA" "$IPA" 20
}

# kn_ping NS ADDR SIZE: one echo of SIZE payload bytes with DF.
kn_ping() {
	ip netns exec "$1" ping -q -c 1 -W 2 -M "do" -s "$3" "$2" >/dev/null
}

# Frame sizes first, at MTU 9000: echoes whose received frames (IP length
# + 14, the FCS stripped) fill 1, 2, 3, 4 of the 2 KiB RX buffers exactly,
# and one byte either side, both ways.  Then MTUs on A: A's largest DF
# packet leaves and one byte more is refused (EMSGSIZE); from B (MTU
# 9000), A's RX length limit (RLPML = MTU + 22, room for a VLAN tag and
# the FCS) passes an IP packet of MTU + 4 and drops MTU + 5 in hardware.
test_mtu() {
	local ip_len mtu

	ip -n "$NSA" link set "$KN_DEV_A" mtu 9000
	ip -n "$NSB" link set "$KN_DEV_B" mtu 9000
	for ip_len in 28 2033 2034 2035 4081 4082 4083 6129 6130 6131 8177 \
		      8178 8179 9000; do
		kn_ping "$NSA" "$IPB" $((ip_len - 28)) ||
			kp_fail "A -> B: a $ip_len-byte IP packet did not come back"
		kn_ping "$NSB" "$IPA" $((ip_len - 28)) ||
			kp_fail "B -> A: a $ip_len-byte IP packet did not come back"
	done
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 300 8972
	kn_tcp_sha "$NSA" "$NSB" "$IPB" 4
	for mtu in 68 1500 2020 9000; do
		ip -n "$NSA" link set "$KN_DEV_A" mtu "$mtu"
		kn_ping "$NSA" "$IPB" $((mtu - 28)) ||
			kp_fail "MTU $mtu: a $mtu-byte packet from A did not come back"
		if ip netns exec "$NSA" "$KP_UDP" send -d -c 1 \
			-s $((mtu - 27)) "$IPB" "$KN_PORT" >/dev/null 2>&1; then
			kp_fail "MTU $mtu: a $((mtu + 1))-byte packet left A with DF"
		fi
		[ "$mtu" = 9000 ] && continue
		kn_ping "$NSB" "$IPA" $((mtu + 4 - 28)) ||
			kp_fail "MTU $mtu: A dropped a $((mtu + 4))-byte packet"
		if kn_ping "$NSB" "$IPA" $((mtu + 5 - 28)); then
			kp_fail "MTU $mtu: A took a $((mtu + 5))-byte packet"
		fi
	done
	kp_eq "carrier of $KN_DEV_A after the MTU changes" 1 \
		"$(kn_carrier "$NSA" "$KN_DEV_A")"
	ip -n "$NSA" link set "$KN_DEV_A" mtu 1500
	ip -n "$NSB" link set "$KN_DEV_B" mtu 1500
}

test_bad_settings() {
	local out

	out=$(ip -n "$NSA" link set "$KN_DEV_A" mtu 67 2>&1) &&
		kp_fail "MTU 67 accepted"
	kp_log "mtu 67: $out"
	out=$(ip -n "$NSA" link set "$KN_DEV_A" mtu 9001 2>&1) &&
		kp_fail "MTU 9001 accepted"
	kp_log "mtu 9001: $out"
	out=$(ip -n "$NSA" link set "$KN_DEV_A" address 01:00:5e:00:00:01 2>&1) &&
		kp_fail "a multicast MAC address accepted"
	kp_log "multicast address: $out"
	kp_eq "MTU unchanged" 1500 \
		"$(ip -n "$NSA" -j link show "$KN_DEV_A" | jq '.[0].mtu')"
	# a new address takes effect in the filter (RAR 0)
	ip -n "$NSA" link set "$KN_DEV_A" address 02:00:00:00:00:aa
	ip -n "$NSB" neigh replace "$IPA" lladdr 02:00:00:00:00:aa dev "$KN_DEV_B" nud permanent
	ip netns exec "$NSB" ping -q -c 2 -i 0.2 -W 5 "$IPA" >/dev/null
	ip -n "$NSA" link set "$KN_DEV_A" address 52:54:00:12:34:10
	ip -n "$NSB" neigh replace "$IPA" lladdr 52:54:00:12:34:10 dev "$KN_DEV_B" nud permanent
	ip netns exec "$NSB" ping -q -c 2 -i 0.2 -W 5 "$IPA" >/dev/null
}

# The debugfs fault stops TDT writes: frames pile up on the ring, BQL
# stops the queue, the stack's watchdog calls ndo_tx_timeout after 5 s,
# the reset work rebuilds the rings (and ends the fault).
test_tx_timeout() {
	local dbg=/sys/kernel/debug/kp_nic/$KN_A t0 before after

	[ -e "$dbg/tx_hang" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null || :
	[ -e "$dbg/tx_hang" ] || kp_fail "no $dbg/tx_hang"
	before=$(kn_ethtool_stat "$NSA" "$KN_DEV_A" tx_timeout_count)
	echo 1 >"$dbg/tx_hang"
	t0=$(date +%s)
	# small frames, so that the ring (256 descriptors, 2 per frame) fills
	# before the socket's send buffer does: the queue stops (a full ring,
	# or BQL's limit first); the send blocks until the reset frees it
	ip netns exec "$NSA" timeout 120 "$KP_UDP" send -e -c 1000 -s 32 \
		"$IPB" "$KN_PORT" >/dev/null 2>&1 || :
	kp_wait_until 30 kn_hang_cleared "$dbg"
	after=$(kn_ethtool_stat "$NSA" "$KN_DEV_A" tx_timeout_count)
	kp_log "recovered after $(($(date +%s) - t0)) s; tx_timeout_count $before -> $after"
	kp_eq "tx_timeout_count delta" 1 $((after - before))
	dmesg | grep -Eq "kp_nic $KN_A $KN_DEV_A: TX queue [0-9]+ timed out" ||
		kp_fail "no 'TX queue N timed out' message"
	kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 500 100
}

kn_hang_cleared() { [ "$(cat "$1/tx_hang")" = 0 ]; }

# kn_dma_counts: "dma_errors tx_dropped" of A
kn_dma_counts() {
	echo "$(kn_qsum "$NSA" "$KN_DEV_A" tx dma_errors)" \
		"$(kn_link_stat "$NSA" "$KN_DEV_A" tx_dropped)"
}

# The debugfs faults fail TX DMA mappings as dma_map_*() would: first of
# skb heads (the UDP datagrams are linear), then of page fragments (TCP
# puts its payload in them).  Each such frame is dropped, counted once in
# dma_errors and tx_dropped, its other mappings undone (KASAN and
# kmemleak watch on the debug kernel); the rest arrives intact.  Nothing
# but the test's frames is sent (kp_netns_add turns IPv6 off, neighbours
# are static), so each fault hits one of them.
test_dma_errors() {
	local dbg=/sys/kernel/debug/kp_nic/$KN_A out sent e0 d0 e1 d1

	[ -e "$dbg/dma_fail_heads" ] || kp_fail "no $dbg/dma_fail_heads"
	kn_quiesce "$NSA" "$KN_DEV_A"
	read -r e0 d0 < <(kn_dma_counts)
	echo 5 >"$dbg/dma_fail_heads"
	out=$(mktemp /tmp/kn_dma.XXXXXX)
	# no -c: it counts whatever arrives until 3 s after the last one
	kp_udp_recv_bg "$NSB" "$out" -t 3000 -w 30000 "$KN_PORT"
	sent=$(ip netns exec "$NSA" "$KP_UDP" send -c 20 -s 100 -g 1000 \
	       "$IPB" "$KN_PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$out"
	rm -f "$out" "$out.ready"
	kp_log "20 datagrams, 5 head mappings failed: $sent; $KP_RES"
	kp_eq "sent" 20 "$(kp_kv sent "$sent")"
	kp_eq "received" 15 "$(kp_kv received "$KP_RES")"
	kp_eq "unique" 15 "$(kp_kv unique "$KP_RES")"
	kp_eq "bad" 0 "$(kp_kv bad "$KP_RES")"
	# the first five (sequence numbers 0-4) were the ones dropped
	kp_eq "min_seq, max_seq" "5 19" \
		"$(kp_kv min_seq "$KP_RES") $(kp_kv max_seq "$KP_RES")"
	kp_eq "dma_fail_heads left" 0 "$(cat "$dbg/dma_fail_heads")"
	read -r e1 d1 < <(kn_dma_counts)
	kp_eq "dma_errors, tx_dropped deltas (heads)" "5 5" \
		"$((e1 - e0)) $((d1 - d0))"

	echo 3 >"$dbg/dma_fail_frags"
	kn_tcp_sha "$NSA" "$NSB" "$IPB" 2
	kp_eq "dma_fail_frags left" 0 "$(cat "$dbg/dma_fail_frags")"
	read -r e0 d0 < <(kn_dma_counts)
	kp_eq "dma_errors, tx_dropped deltas (fragments)" "3 3" \
		"$((e0 - e1)) $((d0 - d1))"
}

# kn_doorbells COUNT: COUNT datagrams A -> B back to back, all received;
# sets KN_TDT_WRITES to A's TDT writes (tx_queue_N_doorbells) for them.
kn_doorbells() {
	local out sent d0 d1

	kn_quiesce "$NSA" "$KN_DEV_A"
	d0=$(kn_qsum "$NSA" "$KN_DEV_A" tx doorbells)
	out=$(mktemp /tmp/kn_db.XXXXXX)
	kp_udp_recv_bg "$NSB" "$out" -c "$1" -t 5000 -w 30000 "$KN_PORT"
	sent=$(ip netns exec "$NSA" "$KP_UDP" send -c "$1" -s 24 "$IPB" \
	       "$KN_PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$out"
	rm -f "$out" "$out.ready"
	kp_eq "sent" "$1" "$(kp_kv sent "$sent")"
	kp_eq "received" "$1" "$(kp_kv unique "$KP_RES")"
	kn_quiesce "$NSA" "$KN_DEV_A"
	d1=$(kn_qsum "$NSA" "$KN_DEV_A" tx doorbells)
	KN_TDT_WRITES=$((d1 - d0))
}

# tx_doorbell_usecs: off by default, where a lone UDP socket costs about
# one TDT write per datagram (xmit_more only when the qdisc holds frames
# because BQL or a full ring stopped the queue).  At 10000 us, datagrams
# sent back to back (closer than that even on the debug kernel, where a
# send takes a few ms) share TDT writes; every one still arrives.  200
# datagrams: fewer than B's free RX descriptors, so one write of them all
# cannot overrun B.  Values over 10000 are refused.
test_doorbells() {
	local p=/sys/module/kp_nic/parameters/tx_doorbell_usecs n=200 off on

	kp_eq "tx_doorbell_usecs default" 0 "$(cat "$p")"
	if echo 10001 >"$p" 2>/dev/null; then
		kp_fail "tx_doorbell_usecs=10001 accepted"
	fi
	kn_doorbells "$n"
	off=$KN_TDT_WRITES
	echo 10000 >"$p"
	kn_doorbells "$n"
	on=$KN_TDT_WRITES
	echo 0 >"$p"
	kp_log "TDT writes for $n datagrams back to back: $off off, $on at 10000 us"
	kp_range "TDT writes, deferral off" 1 "$n" "$off"
	if [ "$on" -ge $((n / 2)) ] || [ "$on" -ge "$off" ]; then
		kp_fail "$on TDT writes for $n datagrams with deferral on ($off off)"
	fi
	ip netns exec "$NSA" ping -q -c 3 -i 0.2 -W 5 "$IPB" >/dev/null
}

test_updown_traffic() {
	local pid i

	ip netns exec "$NSA" "$KP_UDP" send -e -c 200000 -s 200 -g 20 "$IPB" \
		"$KN_PORT" >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < 5; i++)); do
		ip -n "$NSA" link set "$KN_DEV_A" down
		sleep 0.2
		ip -n "$NSA" link set "$KN_DEV_A" up
		sleep 0.3
	done
	kill "$pid" 2>/dev/null || :
	wait "$pid" 2>/dev/null || :
	ip -n "$NSB" neigh replace "$IPA" lladdr 52:54:00:12:34:10 dev "$KN_DEV_B" nud permanent
	ip -n "$NSA" neigh replace "$IPB" lladdr 52:54:00:12:34:11 dev "$KN_DEV_A" nud permanent
	kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 500 100
}

kn_setup
kp_netns_add "$NSA" "$NSB"
kn_link "$NSA" "$KN_A" "$IPA" "$NSB" "$KN_B" "$IPB"

kp_plan 9
kp_run "probe: MAC from the NVM, ethtool -i/-g, link 1000/full, vectors" test_probe
kp_run "UDP both ways (1000 each): every datagram intact, exact counters, 42-byte frames padded" test_udp
kp_run "TCP 20 MB each way, sha256 equal" test_tcp
kp_run "jumbo frames across 1-5 RX buffers; MTU 68/1500/2020/9000: TX and RX limits" test_mtu
kp_run "bad MTU and MAC refused; a new MAC filters" test_bad_settings
kp_run "TX hang: ndo_tx_timeout, reset, traffic again" test_tx_timeout
kp_run "forced TX DMA mapping errors (heads, fragments): dropped, counted, unwound" test_dma_errors
kp_run "tx_doorbell_usecs: back-to-back sends take under half the TDT writes they take with deferral off" \
	test_doorbells
kp_run "ifdown/ifup x5 under traffic, then exact counters" test_updown_traffic
kp_exit
