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

# TCP both ways, paced (16 MB, 1 MB every 0.5 s) to last while both ends
# change ring sizes three times each, and kpctl --watch reads A's rings
# all along: both streams arrive intact, the reader exits 0 on SIGTERM,
# UDP counts exactly after.
test_ring_resize_traffic() {
	local sizes=("512 128" "64 4096" "256 256") s ta tb watch rc=0 n

	ip netns exec "$NSA" "$KPCTL" -j nic rings --watch 1 >"$TMPD/watch" &
	watch=$!
	(kn_tcp_sha "$NSA" "$NSB" "$IPB" 16 0.5) &
	ta=$!
	(kn_tcp_sha "$NSB" "$NSA" "$IPA" 16 0.5) &
	tb=$!
	sleep 1
	for s in "${sizes[@]}"; do
		kill -0 "$ta" 2>/dev/null && kill -0 "$tb" 2>/dev/null ||
			kp_fail "a transfer ended before the resize to '$s'"
		# shellcheck disable=SC2086 # "RX TX"
		set_rings "$NSA" "$KN_DEV_A" $s
		# shellcheck disable=SC2086
		set_rings "$NSB" "$KN_DEV_B" $s
		kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
		kp_wait_until 20 kn_has_carrier "$NSB" "$KN_DEV_B"
		sleep 0.5
	done
	wait "$ta" || kp_fail "TCP A -> B failed across the resizes"
	wait "$tb" || kp_fail "TCP B -> A failed across the resizes"
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

# qvec_irqs NS DEV: interrupts of DEV's queue vector.
qvec_irqs() {
	"$KPCTL" -n "$1" -j nic irqs dev "$2" |
		jq -er '[.[0].vectors[] | select(.type == "queue")][0].interrupts'
}

# rx-usecs is EITR1's interval (bits 14:2), written at once; 0 turns
# moderation off.  With 8000 us (the model waits 8000 * 4 * 1.024 us =
# 32.8 ms), the queue vector takes at most two messages (the immediate
# one and the trailing one) per 32.8 ms, however fast the pings come.
test_coalesce() {
	local i0 i1 t0 t1 ms bound

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
	t0=$(date +%s%N)
	i0=$(qvec_irqs "$NSA" "$KN_DEV_A")
	ip netns exec "$NSA" ping -q -c 60 -i 0.01 -W 2 "$IPB" >/dev/null
	i1=$(qvec_irqs "$NSA" "$KN_DEV_A")
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	# two per started 32.8 ms window, the ping's and kpctl's time
	# included; + 2 for watchdog kicks
	bound=$((2 * (ms * 10 / 328 + 1) + 2))
	kp_log "60 pings at 10 ms, rx-usecs 8000: $((i1 - i0)) interrupts in $ms ms (bound $bound)"
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
	local ta tb

	kp_eq "ethtool -t online" "PASS 0 0 0 0 0" \
		"$(kn_selftest "$NSA" "$KN_DEV_A" online)"
	(kn_tcp_sha "$NSA" "$NSB" "$IPB" 8 0.5) &
	ta=$!
	(kn_tcp_sha "$NSB" "$NSA" "$IPA" 8 0.5) &
	tb=$!
	sleep 1
	kp_eq "ethtool -t offline under TCP both ways" "PASS 0 0 0 0 0" \
		"$(kn_selftest "$NSA" "$KN_DEV_A" offline)"
	kill -0 "$ta" 2>/dev/null && kill -0 "$tb" 2>/dev/null ||
		kp_fail "a transfer ended before the self-test did"
	wait "$ta" || kp_fail "TCP A -> B failed across the self-test"
	wait "$tb" || kp_fail "TCP B -> A failed across the self-test"
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

kn_setup
[ -x "$KPCTL" ] || kp_skip "kpctl not built ($KPCTL)"
TMPD=$(mktemp -d /tmp/kpnic_ethtool.XXXXXX)
trap 'rm -rf "$TMPD"; kn_cleanup' EXIT
kp_netns_add "$NSA" "$NSB"
kn_link "$NSA" "$KN_A" "$IPA" "$NSB" "$KN_B" "$IPB"

kp_plan 5
kp_run "-g/-G: rounded as igb, above 4096 refused, taken while down" \
	test_ring_limits
kp_run "-G x3 on both ends under TCP both ways and a netlink reader: sha256 equal" \
	test_ring_resize_traffic
kp_run "-c/-C: rx-usecs is EITR, live; limits refused; 8000 us bounds the interrupts" \
	test_coalesce
kp_run "-d: the registers of the documented table" test_regs
kp_run "-t online and offline PASS; offline under TCP both ways, and while down" \
	test_selftest
kp_exit
