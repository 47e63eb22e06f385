#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kp_nic's ethtool settings, live: ring sizes (-g/-G) rounded and bounded
# as igb's, applied while down and under TCP both ways while kpctl reads
# the rings; interrupt moderation (-c/-C) as the queue vector's EITR, its
# limits, and its effect on the interrupts a ping flood takes; the
# register dump (-d) as Documentation/kp_nic.rst lays it out; the self-test
# (-t) passes online and offline, under TCP both ways.

source "$(dirname "$0")/lib.sh"

NSA=kne-a-$$
NSB=kne-b-$$
IPA=10.90.3.1
IPB=10.90.3.2
IP6A=fd00:90:3::1
IP6B=fd00:90:3::2
TMPD=

# The -d dump, one 32-bit word per register, in this order.
REG_NAMES=(CTRL STATUS CTRL_EXT RCTL TCTL TIPG RXCSUM RLPML MRQC GPIE IMS
	   EIMS EIAC EIAM IVAR0 IVAR_MISC EITR0 EITR1 EITR2 EITR3 EITR4 EITR5
	   EITR6 EITR7 EITR8 EITR9 RAL0 RAH0 RDBAL0 RDBAH0 RDLEN0 SRRCTL0 RDH0
	   RDT0 RXDCTL0 TDBAL0 TDBAH0 TDLEN0 TDH0 TDT0 TXDCTL0 TDWBAL0)
declare -A REG

# regs NS DEV: fill REG[name] (decimal) from ethtool -d raw.
regs() {
	local words i=0 w

	ip netns exec "$1" ethtool -d "$2" raw on >"$TMPD/regs"
	kp_eq "register dump bytes" $((4 * ${#REG_NAMES[@]})) \
		"$(stat -c %s "$TMPD/regs")"
	words=$(od -An -v -tu4 -w4 "$TMPD/regs")
	REG=()
	for w in $words; do
		REG[${REG_NAMES[i]}]=$w
		i=$((i + 1))
	done
}

# tcp_both_start: TCP both ways, 1 MB every 0.5 s (up to 60 MB each),
# until tcp_both_stop; tcp_both_running: both still sending.
TA='' TB=''
tcp_both_start() {
	rm -f "$TMPD/stop"
	(kn_tcp_sha "$NSA" "$NSB" "$IPB" 60 0.5 "$TMPD/stop") &
	TA=$!
	(kn_tcp_sha "$NSB" "$NSA" "$IPA" 60 0.5 "$TMPD/stop") &
	TB=$!
	sleep 1
}

tcp_both_running() {
	kill -0 "$TA" 2>/dev/null && kill -0 "$TB" 2>/dev/null
}

# tcp_both_stop WHAT: both streams end, each arrived intact (sha256).
tcp_both_stop() {
	touch "$TMPD/stop"
	wait "$TA" || kp_fail "TCP A -> B failed across $1"
	wait "$TB" || kp_fail "TCP B -> A failed across $1"
}

# a_up: A up again after a down (which flushed its neighbours): static
# neighbours back, carrier.
a_up() {
	ip -n "$NSA" link set "$KN_DEV_A" up
	kp_static_neigh "$NSA" "$KN_DEV_A" "$IPA" "$NSB" "$KN_DEV_B" "$IPB"
	kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
}

# rings NS DEV: "rx tx" from ethtool -g (current settings).
rings() {
	ip netns exec "$1" ethtool -g "$2" |
		awk '/^Current/ { c = 1 } c && /^RX:/ { rx = $2 }
		     c && /^TX:/ { tx = $2 } END { print rx, tx }'
}

# ring_sizes NS DEV: "rx tx" from kpctl (the rings the device runs on).
ring_sizes() {
	"$KPCTL" -n "$1" -j nic rings dev "$2" |
		jq -r '.[0].rings | "\(map(select(.type == "rx"))[0].size) \(map(select(.type == "tx"))[0].size)"'
}

# set_rings NS DEV RX TX: ethtool -G; its output (the core's and the
# driver's extack) in $SET_OUT.
SET_OUT=
set_rings() {
	SET_OUT=$(ip netns exec "$1" ethtool -G "$2" rx "$3" tx "$4" 2>&1)
}

# expect_rings NS DEV "RX TX": ethtool -g, kpctl and the RDLEN / TDLEN
# registers (16 bytes a descriptor) all say so.
expect_rings() {
	local rx tx

	read -r rx tx <<<"$3"
	kp_eq "$2: ethtool -g rx tx" "$3" "$(rings "$1" "$2")"
	kp_eq "$2: kpctl nic rings rx tx" "$3" "$(ring_sizes "$1" "$2")"
	regs "$1" "$2"
	kp_eq "$2: RDLEN0 TDLEN0" "$((rx * 16)) $((tx * 16))" \
		"${REG[RDLEN0]} ${REG[TDLEN0]}"
}

test_ring_limits() {
	local out

	expect_rings "$NSA" "$KN_DEV_A" "256 256"
	set_rings "$NSA" "$KN_DEV_A" 100 70
	kp_log "-G rx 100 tx 70: $SET_OUT"
	case "$SET_OUT" in
	*"ring sizes rounded up to a multiple of 8, at least 64"*) ;;
	*) kp_fail "no rounding warning from -G rx 100 tx 70" ;;
	esac
	expect_rings "$NSA" "$KN_DEV_A" "104 72"
	set_rings "$NSA" "$KN_DEV_A" 1 4096
	expect_rings "$NSA" "$KN_DEV_A" "64 4096"
	if out=$(ip netns exec "$NSA" ethtool -G "$KN_DEV_A" rx 4097 2>&1); then
		kp_fail "-G rx 4097 accepted"
	fi
	kp_log "-G rx 4097: $out"
	case "$out" in
	*"exceeds maximum"*) ;;
	*) kp_fail "-G rx 4097: no 'exceeds maximum'" ;;
	esac
	expect_rings "$NSA" "$KN_DEV_A" "64 4096"
	# while down: taken on the next up
	ip -n "$NSA" link set "$KN_DEV_A" down
	set_rings "$NSA" "$KN_DEV_A" 512 128
	kp_eq "down: ethtool -g rx tx" "512 128" "$(rings "$NSA" "$KN_DEV_A")"
	a_up
	expect_rings "$NSA" "$KN_DEV_A" "512 128"
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 300 1000
	kn_udp_exact "$NSB" "$KN_DEV_B" "$NSA" "$KN_DEV_A" "$IPA" 300 1000
	set_rings "$NSA" "$KN_DEV_A" 256 256
	kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
}

# TCP both ways, paced (1 MB every 0.5 s) while both ends change ring
# sizes three times each, and kpctl --watch reads A's rings
# all along: both streams arrive intact, the reader exits 0 on SIGTERM,
# UDP counts exactly after.
test_ring_resize_traffic() {
	local sizes=("512 128" "64 4096" "256 256") s watch rc=0 n

	ip netns exec "$NSA" "$KPCTL" -j nic rings --watch 1 >"$TMPD/watch" &
	watch=$!
	tcp_both_start
	for s in "${sizes[@]}"; do
		tcp_both_running ||
			kp_fail "a transfer ended before the resize to '$s'"
		# shellcheck disable=SC2086 # "RX TX"
		set_rings "$NSA" "$KN_DEV_A" $s
		# shellcheck disable=SC2086
		set_rings "$NSB" "$KN_DEV_B" $s
		kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
		kp_wait_until 20 kn_has_carrier "$NSB" "$KN_DEV_B"
		sleep 0.5
	done
	tcp_both_stop "the resizes"
	kill -TERM "$watch"
	wait "$watch" || rc=$?
	n=$(grep -c . "$TMPD/watch")
	kp_log "kpctl nic rings --watch: $n snapshots, exit $rc"
	kp_eq "kpctl --watch exit status" 0 "$rc"
	[ "$n" -ge 3 ] || kp_fail "kpctl --watch printed $n snapshots"
	jq -e -s 'all(.[]; length == 1)' "$TMPD/watch" >/dev/null ||
		kp_fail "a --watch snapshot does not list one device"
	expect_rings "$NSA" "$KN_DEV_A" "256 256"
	expect_rings "$NSB" "$KN_DEV_B" "256 256"
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 300 1000
}

# usecs NS DEV: "rx-usecs tx-usecs" from ethtool -c.
usecs() {
	ip netns exec "$1" ethtool -c "$2" |
		awk '/^rx-usecs:/ { rx = $2 } /^tx-usecs:/ { tx = $2 }
		     END { print rx, tx }'
}

# expect_cfail NS DEV ERRTEXT ARGS...: ethtool -C ARGS fails with ERRTEXT.
expect_cfail() {
	local ns=$1 dev=$2 want=$3 out
	shift 3

	if out=$(ip netns exec "$ns" ethtool -C "$dev" "$@" 2>&1); then
		kp_fail "ethtool -C $* accepted"
	fi
	kp_log "-C $*: $out"
	case "$out" in
	*"$want"*) ;;
	*) kp_fail "ethtool -C $*: no '$want'" ;;
	esac
}

# qvec_irqs NS DEV: "interrupts vectors" summed over DEV's queue vectors.
qvec_irqs() {
	"$KPCTL" -n "$1" -j nic irqs dev "$2" |
		jq -er '[.[0].vectors[] | select(.type == "queue")] |
			"\(map(.interrupts) | add) \(length)"'
}

# rx-usecs is EITR1's interval (bits 14:2), written at once; 0 turns
# moderation off.  With 8000 us (the model waits 8000 * 4 * 1.024 us =
# 32.8 ms), each queue vector takes at most two messages (the immediate
# one and the trailing one) per 32.8 ms, however fast the pings come
# (200 at 2 ms).
test_coalesce() {
	local i0 i1 t0 t1 ms bound nv

	kp_eq "default rx-usecs tx-usecs" "49 0" "$(usecs "$NSA" "$KN_DEV_A")"
	regs "$NSA" "$KN_DEV_A"
	kp_eq "EITR1 (default)" 196 "${REG[EITR1]}"
	kp_eq "EITR0 (other vector)" 0 "${REG[EITR0]}"
	ip netns exec "$NSA" ethtool -C "$KN_DEV_A" rx-usecs 100
	kp_eq "rx-usecs 100" "100 0" "$(usecs "$NSA" "$KN_DEV_A")"
	regs "$NSA" "$KN_DEV_A"
	kp_eq "EITR1 at rx-usecs 100" 400 "${REG[EITR1]}"
	expect_cfail "$NSA" "$KN_DEV_A" "rx-usecs above 8191, the most EITR holds" \
		rx-usecs 8192
	expect_cfail "$NSA" "$KN_DEV_A" "TX and RX queues share each vector: set rx-usecs" \
		tx-usecs 10
	expect_cfail "$NSA" "$KN_DEV_A" "unsupported parameter" adaptive-rx on
	kp_eq "after the refused ones" "100 0" "$(usecs "$NSA" "$KN_DEV_A")"

	ip netns exec "$NSA" ethtool -C "$KN_DEV_A" rx-usecs 0
	regs "$NSA" "$KN_DEV_A"
	kp_eq "EITR1 at rx-usecs 0" 0 "${REG[EITR1]}"
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 200 100

	ip netns exec "$NSA" ethtool -C "$KN_DEV_A" rx-usecs 8000
	regs "$NSA" "$KN_DEV_A"
	kp_eq "EITR1 at rx-usecs 8000" 32000 "${REG[EITR1]}"
	read -r i0 nv <<<"$(qvec_irqs "$NSA" "$KN_DEV_A")"
	t0=$(date +%s%N)
	ip netns exec "$NSA" ping -q -c 200 -i 0.002 -W 2 "$IPB" >/dev/null
	t1=$(date +%s%N)
	read -r i1 nv <<<"$(qvec_irqs "$NSA" "$KN_DEV_A")"
	ms=$(((t1 - t0) / 1000000))
	# per vector, two per started 32.8 ms window of the ping, + 4 for
	# the kpctl reads around it (idle: the watchdog's kicks); without
	# moderation the 200 echoes cost A 400 interrupts or more
	bound=$((nv * (2 * (ms * 10 / 328 + 1) + 4)))
	kp_log "200 pings at 2 ms, rx-usecs 8000: $((i1 - i0)) interrupts on $nv vectors in $ms ms (bound $bound)"
	kp_range "queue vector interrupts" 1 "$bound" $((i1 - i0))

	ip netns exec "$NSA" ethtool -C "$KN_DEV_A" rx-usecs 49
	regs "$NSA" "$KN_DEV_A"
	kp_eq "EITR1 back to the default" 196 "${REG[EITR1]}"
	# the setting outlives down/up (it is the driver's, not only EITR's)
	ip -n "$NSA" link set "$KN_DEV_A" down
	ip netns exec "$NSA" ethtool -C "$KN_DEV_A" rx-usecs 60
	a_up
	regs "$NSA" "$KN_DEV_A"
	kp_eq "EITR1 after -C while down, then up" 240 "${REG[EITR1]}"
	ip netns exec "$NSA" ethtool -C "$KN_DEV_A" rx-usecs 49
}

# The dump's words are the registers Documentation/kp_nic.rst lists.
test_regs() {
	local mac ral rah m

	regs "$NSA" "$KN_DEV_A"
	mac=$(ip netns exec "$NSA" cat "/sys/class/net/$KN_DEV_A/address")
	IFS=: read -r -a m <<<"$mac"
	ral=$((16#${m[3]}${m[2]}${m[1]}${m[0]}))
	rah=$(((1 << 31) | 16#${m[5]}${m[4]}))
	kp_eq "RAL0 RAH0 (MAC, address valid)" "$ral $rah" "${REG[RAL0]} ${REG[RAH0]}"
	kp_eq "STATUS.LU" 2 $((REG[STATUS] & 2))
	kp_eq "CTRL_EXT.DRV_LOAD" $((1 << 28)) $((REG[CTRL_EXT] & (1 << 28)))
	kp_eq "RCTL.EN, TCTL.EN" "2 2" "$((REG[RCTL] & 2)) $((REG[TCTL] & 2))"
	kp_eq "RXDCTL0.ENABLE, TXDCTL0.ENABLE" "$((1 << 25)) $((1 << 25))" \
		"$((REG[RXDCTL0] & (1 << 25))) $((REG[TXDCTL0] & (1 << 25)))"
	kp_eq "GPIE.MSIX_MODE" 16 $((REG[GPIE] & 16))
	kp_eq "IVAR0 (RX 0 and TX 0 on vector 1, valid)" $((0x8181)) "${REG[IVAR0]}"
	kp_eq "IVAR_MISC (other causes on vector 0, valid)" $((0x8000)) "${REG[IVAR_MISC]}"
	kp_eq "RLPML (MTU + 22)" 1522 "${REG[RLPML]}"
	kp_eq "TDWBAL0 (no head write-back)" 0 "${REG[TDWBAL0]}"
	[ "${REG[RDBAL0]}" -ne 0 ] || kp_fail "RDBAL0 is 0"
	# down: the MAC is reset, receive and transmit off
	ip -n "$NSA" link set "$KN_DEV_A" down
	regs "$NSA" "$KN_DEV_A"
	kp_eq "down: RCTL.EN, TCTL.EN" "0 0" "$((REG[RCTL] & 2)) $((REG[TCTL] & 2))"
	a_up
}

# ethtool -t: online is the link test; offline runs all five with the
# device closed under the stack (igb's way) while TCP runs both ways, and
# both streams arrive intact; on a device that is down it leaves it down.
test_selftest() {

	kp_eq "ethtool -t online" "PASS 0 0 0 0 0" \
		"$(kn_selftest "$NSA" "$KN_DEV_A" online)"
	tcp_both_start
	kp_eq "ethtool -t offline under TCP both ways" "PASS 0 0 0 0 0" \
		"$(kn_selftest "$NSA" "$KN_DEV_A" offline)"
	tcp_both_running || kp_fail "a transfer ended before the self-test did"
	sleep 1
	tcp_both_stop "the self-test"
	kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 300 1000
	kn_udp_exact "$NSB" "$KN_DEV_B" "$NSA" "$KN_DEV_A" "$IPA" 300 1000

	ip -n "$NSA" link set "$KN_DEV_A" down
	kp_eq "ethtool -t offline, device down" "PASS 0 0 0 0 0" \
		"$(kn_selftest "$NSA" "$KN_DEV_A" offline)"
	kp_eq "still down" "DOWN" \
		"$(ip -n "$NSA" -j link show "$KN_DEV_A" | jq -r '.[0].operstate')"
	a_up
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 300 1000
}

# qpkts NS DEV DIR N: DIR (tx, rx) packets of queues 0..N-1, one ethtool -S.
qpkts() {
	ip netns exec "$1" ethtool -S "$2" |
		awk -v d="$3" -v n="$4" '
		match($1, "^" d "_queue_[0-9]+_packets:$") {
			q = substr($1, length(d) + 8); sub(/_.*/, "", q); v[q] = $2 }
		END { for (i = 0; i < n; i++) printf "%s%d", (i ? " " : ""), v[i] }'
}

# pairs_rings NS DEV: "queue_pairs rings" as kpctl nic show says.
pairs_rings() {
	"$KPCTL" -n "$1" -j nic show dev "$2" |
		jq -r '.[0] | "\(.queue_pairs) \(.rings | length)"'
}

# flow_hash TYPE: B's ethtool -n rx-flow-hash TYPE, the fields on one line.
flow_hash() {
	ip netns exec "$NSB" ethtool -n "$KN_DEV_B" rx-flow-hash "$1" |
		awk '/^(IP|L4)/' | paste -sd' '
}

# rss_table: B's redirection table (ethtool -x), the entries on one line.
rss_table() {
	ip netns exec "$NSB" ethtool -x "$KN_DEV_B" |
		awk '/^ *[0-9]+:/ { for (i = 2; i <= NF; i++) print $i }' | xargs
}

# channels NS DEV: "max current" combined channels, ethtool -l.
channels() {
	ip netns exec "$1" ethtool -l "$2" |
		awk '/^Combined:/ { v[n++] = $2 } END { print v[0], v[1] }'
}

# set_queues N: N combined channels on both A and B, carrier back.
set_queues() {
	ip netns exec "$NSA" ethtool -L "$KN_DEV_A" combined "$1"
	ip netns exec "$NSB" ethtool -L "$KN_DEV_B" combined "$1"
	kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
	kp_wait_until 20 kn_has_carrier "$NSB" "$KN_DEV_B"
}

# 2 queue pairs by default (one per vCPU), 8 at most (the model's ten
# MSI-X vectors less "other" and one spare); 1, 4, 2 while TCP runs both
# ways: both streams intact, the vectors and rings follow, and the
# interface counters (summed over all rings ever used) never go back.
test_channels() {
	local n tx0 rx0 tx1 rx1 out

	kp_eq "ethtool -l: max, current combined" "8 $(kn_queues)" \
		"$(channels "$NSA" "$KN_DEV_A")"
	kp_eq "queue_pairs, rings" "$(kn_queues) $((2 * $(kn_queues)))" \
		"$(pairs_rings "$NSA" "$KN_DEV_A")"
	if out=$(ip netns exec "$NSA" ethtool -L "$KN_DEV_A" combined 9 2>&1); then
		kp_fail "-L combined 9 accepted"
	fi
	kp_log "-L combined 9: $out"
	if out=$(ip netns exec "$NSA" ethtool -L "$KN_DEV_A" rx 1 2>&1); then
		kp_fail "-L rx 1 accepted"
	fi
	kp_log "-L rx 1: $out"
	tx0=$(kn_link_stat "$NSA" "$KN_DEV_A" tx_packets)
	rx0=$(kn_link_stat "$NSA" "$KN_DEV_A" rx_packets)
	tcp_both_start
	for n in 1 4 2; do
		tcp_both_running ||
			kp_fail "a transfer ended before -L combined $n"
		set_queues "$n"
		kp_eq "-L combined $n: ethtool -l" "8 $n" "$(channels "$NSA" "$KN_DEV_A")"
		kp_eq "-L combined $n: TxRx vectors" "$n" \
			"$(grep -c " $KN_DEV_A-TxRx-[0-9]*\$" /proc/interrupts)"
		kp_eq "-L combined $n: kpctl queue_pairs, rings" "$n $((2 * n))" \
			"$(pairs_rings "$NSA" "$KN_DEV_A")"
		tx1=$(kn_link_stat "$NSA" "$KN_DEV_A" tx_packets)
		rx1=$(kn_link_stat "$NSA" "$KN_DEV_A" rx_packets)
		[ "$tx1" -ge "$tx0" ] && [ "$rx1" -ge "$rx0" ] ||
			kp_fail "counters went back: tx $tx0 -> $tx1, rx $rx0 -> $rx1"
		tx0=$tx1 rx0=$rx1
		sleep 0.5
	done
	tcp_both_stop "the channel changes"
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 300 1000
}

# flows_from NS DST N: 2 x N datagrams over N UDP flows (ports 9500 on)
# from each vCPU in turn (XPS: each CPU's frames leave on its queues).
flows_from() {
	local cpu

	for cpu in 0 1; do
		ip netns exec "$1" taskset -c "$cpu" "$KP_UDP" send -F "$3" \
			-c $((2 * $3)) -s 100 "$2" 9500 >/dev/null
	done
}

# busy NS_S DEV_S NS_R DEV_R DST N: 4 * N datagrams S -> R over 2 x N
# flows: S sent them on every one of its 4 TX queues, R took them on
# every one of its 4 RX queues, and both sums are exact (nothing else
# travels that way; R's port unreachables go the other way).
busy() {
	local s0 s1 r0 r1 q ds dr ts=0 tr=0

	kn_quiesce "$1" "$2"
	s0=$(qpkts "$1" "$2" tx 4)
	r0=$(qpkts "$3" "$4" rx 4)
	flows_from "$1" "$5" "$6"
	kn_quiesce "$1" "$2"
	s1=$(qpkts "$1" "$2" tx 4)
	r1=$(qpkts "$3" "$4" rx 4)
	kp_log "$2 tx queues: $s0 -> $s1; $4 rx queues: $r0 -> $r1"
	read -r -a s0 <<<"$s0"
	read -r -a s1 <<<"$s1"
	read -r -a r0 <<<"$r0"
	read -r -a r1 <<<"$r1"
	for q in 0 1 2 3; do
		ds=$((s1[q] - s0[q]))
		dr=$((r1[q] - r0[q]))
		[ "$ds" -gt 0 ] || kp_fail "$2: nothing sent on TX queue $q"
		[ "$dr" -gt 0 ] || kp_fail "$4: nothing received on RX queue $q"
		ts=$((ts + ds))
		tr=$((tr + dr))
	done
	kp_eq "$2 -> $4: sent over the TX queues" $((4 * $6)) "$ts"
	kp_eq "$2 -> $4: received over the RX queues" $((4 * $6)) "$tr"
}

# 4 queue pairs at both ends, UDP ports in the hash (-N udp4 sdfn): 64
# flows each way from both vCPUs keep all 4 TX queues of the sender and
# all 4 RX queues of the receiver busy.
test_queues_busy() {
	set_queues 4
	ip netns exec "$NSA" ethtool -N "$KN_DEV_A" rx-flow-hash udp4 sdfn
	ip netns exec "$NSB" ethtool -N "$KN_DEV_B" rx-flow-hash udp4 sdfn
	busy "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 32
	busy "$NSB" "$KN_DEV_B" "$NSA" "$KN_DEV_A" "$IPA" 32
}

# one_queue NS_S DEV_S NS_R DEV_R DST N: the RX queue of R that took all
# 4 x N datagrams (fails if they were spread).
one_queue() {
	local r0 r1 q d got=-1

	kn_quiesce "$1" "$2"
	read -r -a r0 <<<"$(qpkts "$3" "$4" rx 4)"
	flows_from "$1" "$5" "$6"
	kn_quiesce "$1" "$2"
	read -r -a r1 <<<"$(qpkts "$3" "$4" rx 4)"
	for q in 0 1 2 3; do
		d=$((r1[q] - r0[q]))
		if [ "$d" -eq $((4 * $6)) ]; then
			got=$q
		elif [ "$d" -ne 0 ]; then
			kp_fail "$4: $d datagrams on RX queue $q (${r0[*]} -> ${r1[*]})"
		fi
	done
	echo "$got"
}

# -n/-N: UDP hashes addresses only by default (igb's choice), so 64 flows
# between two addresses share one RX queue; sdfn spreads them (above).
# -x/-X: the table as set ("equal 2": queues 0 and 1 only; "weight 0 0 0
# 1": all on queue 3), the 40-byte key as set, a table that names queue
# 3 forbids -L 2 (the core's check), "default" restores the spread;
# kpctl nic rss shows the same key, table and UDP choice.
test_rss() {
	local q key out

	kp_eq "-n tcp4 (fixed)" "IP SA IP DA L4 bytes 0 & 1 [TCP/UDP src port] L4 bytes 2 & 3 [TCP/UDP dst port]" \
		"$(flow_hash tcp4)"
	ip netns exec "$NSB" ethtool -N "$KN_DEV_B" rx-flow-hash udp4 sd
	kp_eq "-n udp4 after -N sd" "IP SA IP DA" \
		"$(flow_hash udp4)"
	# ethtool prints the error but exits 0 here: look at what it says
	out=$(ip netns exec "$NSB" ethtool -N "$KN_DEV_B" rx-flow-hash tcp4 sd 2>&1) || :
	kp_log "-N tcp4 sd: $out"
	case "$out" in
	*"Invalid argument"*) ;;
	*) kp_fail "-N rx-flow-hash tcp4 sd: no EINVAL" ;;
	esac
	kp_eq "-n tcp4 unchanged" "IP SA IP DA L4 bytes 0 & 1 [TCP/UDP src port] L4 bytes 2 & 3 [TCP/UDP dst port]" \
		"$(flow_hash tcp4)"
	q=$(one_queue "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 16)
	kp_log "udp4 sd: 64 flows all on RX queue $q"
	[ "$q" -ge 0 ] || kp_fail "the flows were not on one queue"

	ip netns exec "$NSB" ethtool -N "$KN_DEV_B" rx-flow-hash udp4 sdfn
	ip netns exec "$NSB" ethtool -X "$KN_DEV_B" weight 0 0 0 1
	kp_eq "-X weight 0 0 0 1: table" "3" \
		"$(rss_table | tr ' ' '\n' | sort -nu | xargs)"
	kp_eq "all on queue 3" 3 \
		"$(one_queue "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 16)"
	if out=$(ip netns exec "$NSB" ethtool -L "$KN_DEV_B" combined 2 2>&1); then
		kp_fail "-L combined 2 accepted with a table naming queue 3"
	fi
	kp_log "-L combined 2 under weight 0 0 0 1: $out"

	key=$(printf '%02x:' $(seq 1 40) | sed 's/:$//')
	# two requests: "hkey K default" in one makes the kernel read the
	# key where a full table would end (ethtool 6.1, ETHTOOL_SRSSH)
	ip netns exec "$NSB" ethtool -X "$KN_DEV_B" default
	ip netns exec "$NSB" ethtool -X "$KN_DEV_B" hkey "$key"
	kp_eq "-x key after -X hkey" "$key" \
		"$(ip netns exec "$NSB" ethtool -x "$KN_DEV_B" |
		   awk '/^RSS hash key:/ { getline; print }')"
	kp_eq "-x table after default: queues" "0 1 2 3" \
		"$(rss_table | tr ' ' '\n' | sort -nu | xargs)"
	busy "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 32

	# the family's view: kpctl nic rss as ethtool -x and -n say
	out=$("$KPCTL" -n "$NSB" -j nic rss dev "$KN_DEV_B")
	kp_eq "kpctl nic rss: key" "$key" "$(jq -r '.[0].rss.key' <<<"$out")"
	kp_eq "kpctl nic rss: table" \
		"$(rss_table)" \
		"$(jq -r '.[0].rss.table | join(" ")' <<<"$out")"
	kp_eq "kpctl nic rss: udp4, udp6 ports" "true false" \
		"$(jq -r '.[0].rss | "\(.udp4_ports) \(.udp6_ports)"' <<<"$out")"
	set_queues "$(kn_queues)"
}

# tcp_retrans NS: TCP segments NS has retransmitted so far.
tcp_retrans() {
	ip netns exec "$1" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++)
		c[$i] = i; h = 1 } else print $c["RetransSegs"] }' /proc/net/snmp
}

# rx_frames NS DEV: "packets bytes" DEV received (ip -s).
rx_frames() {
	echo "$(kn_link_stat "$1" "$2" rx_packets) $(kn_link_stat "$1" "$2" rx_bytes)"
}

# tso_transfer WHAT DST: kn_tcp_sha A -> DST: TSO frames left A (the
# model's TSCTC counts them), and B received full-sized segments.
tso_transfer() {
	local s0 s1 p0 b0 p1 b1

	s0=$(kn_ethtool_stat "$NSA" "$KN_DEV_A" tx_tcp_seg_good)
	read -r p0 b0 <<<"$(rx_frames "$NSB" "$KN_DEV_B")"
	kn_tcp_sha "$NSA" "$NSB" "$2" 8
	s1=$(kn_ethtool_stat "$NSA" "$KN_DEV_A" tx_tcp_seg_good)
	read -r p1 b1 <<<"$(rx_frames "$NSB" "$KN_DEV_B")"
	kp_log "$1: $((s1 - s0)) TSO frames from A; B got $((p1 - p0)) frames," \
	       "$(((b1 - b0) / (p1 - p0))) bytes each on average"
	[ $((s1 - s0)) -gt 0 ] || kp_fail "$1: no TSO frame counted (tx_tcp_seg_good)"
	# MSS-sized segments, not one frame per write: over 1000 bytes on
	# average (B's RLPML drops anything over the MTU, so none is larger)
	[ $(((b1 - b0) / (p1 - p0))) -gt 1000 ] ||
		kp_fail "$1: B's frames average $(((b1 - b0) / (p1 - p0))) bytes"
}

# TSO and TSO6: TCP over IPv4 and IPv6 arrives intact (sha256) in segments
# the peer takes, and the model's TSCTC counts TSO frames.  A frame that
# carries FIN goes to software segmentation (the model clears it in every
# segment, and a lost FIN costs the sender a retransmission): five 64 KiB
# transfers see no TCP retransmission at all.  UDP segmentation is
# not offered (the model turns it into IP fragments or loses it).
test_tso() {
	local r0 r1 i

	kp_eq "-k: tso, tso6, udp segmentation" "on on off" \
		"$(ip netns exec "$NSA" ethtool -k "$KN_DEV_A" |
		   awk -F': ' '{ sub(/^[ \t]+/, "", $1) }
			       $1 == "tx-tcp-segmentation" { a = $2 }
			       $1 == "tx-tcp6-segmentation" { b = $2 }
			       $1 == "tx-udp-segmentation" { c = $2 }
			       END { sub(/ .*/, "", c); print a, b, c }')"
	tso_transfer "IPv4" "$IPB"

	ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.$KN_DEV_A.disable_ipv6=0"
	ip netns exec "$NSB" sysctl -qw "net.ipv6.conf.$KN_DEV_B.disable_ipv6=0"
	ip -n "$NSA" addr add "$IP6A/64" dev "$KN_DEV_A" nodad
	ip -n "$NSB" addr add "$IP6B/64" dev "$KN_DEV_B" nodad
	ip -n "$NSA" -6 neigh replace "$IP6B" dev "$KN_DEV_A" nud permanent \
		lladdr "$(ip -n "$NSB" -j link show "$KN_DEV_B" | jq -r '.[0].address')"
	ip -n "$NSB" -6 neigh replace "$IP6A" dev "$KN_DEV_B" nud permanent \
		lladdr "$(ip -n "$NSA" -j link show "$KN_DEV_A" | jq -r '.[0].address')"
	tso_transfer "IPv6" "$IP6B"

	# 64 KiB each: more than the first window, so the FIN joins the last
	# (TSO) frame still queued; too little to overrun the receiver's
	# ring, which a slow (debug) kernel does with megabytes
	r0=$(tcp_retrans "$NSA")
	for i in 1 2 3 4 5; do
		kn_tcp_sha "$NSA" "$NSB" "$IPB" 64K
	done
	r1=$(tcp_retrans "$NSA")
	kp_eq "TCP segments A retransmitted over five 64 KiB transfers" 0 $((r1 - r0))
}

kn_setup
[ -x "$KPCTL" ] || kp_skip "kpctl not built ($KPCTL)"
TMPD=$(mktemp -d /tmp/kpnic_ethtool.XXXXXX)
trap 'rm -rf "$TMPD"; kn_cleanup' EXIT
kp_netns_add "$NSA" "$NSB"
kn_link "$NSA" "$KN_A" "$IPA" "$NSB" "$KN_B" "$IPB"

kp_plan 9
kp_run "-g/-G: rounded as igb, above 4096 refused, taken while down" \
	test_ring_limits
kp_run "-G x3 on both ends under TCP both ways and a netlink reader: sha256 equal" \
	test_ring_resize_traffic
kp_run "-c/-C: rx-usecs is EITR, live; limits refused; 8000 us bounds the interrupts" \
	test_coalesce
kp_run "-d: the registers of the documented table" test_regs
kp_run "-t online and offline PASS; offline under TCP both ways, and while down" \
	test_selftest
kp_run "-l/-L: 2 of 8 by default; 1, 4, 2 under TCP both ways, counters never back" \
	test_channels
kp_run "4 queue pairs, 64 UDP flows each way: every TX and RX queue busy, sums exact" \
	test_queues_busy
kp_run "-n/-N, -x/-X: UDP on one queue unless sdfn; table, key, -L guard, default" \
	test_rss
kp_run "TSO/TSO6: TCP intact in full segments, TSO frames counted; no retransmission" \
	test_tso
kp_exit
