#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What kp_loop refuses, cleanly.
#
# Frames without an Ethernet header: tc mirred redirects what arrives on
# the ingress of L3 tunnel devices (no link-layer header) to kp0's egress.
# A GRE packet's payload, of any protocol, can be shorter than an Ethernet
# header (gre_demux wants 12 bytes with the 4-byte GRE header): 8 bytes
# are dropped on transmit and counted in tx_runt_drops (drop reason
# PKT_TOO_SMALL), never handed to eth_type_trans().  ipip
# gives the shortest headerless IP packet (tunnel4 wants a whole IPv4
# header): 20 bytes, transmitted (and received on kp0 as a frame of some
# unknown type).
#
# The same from a tc BPF program (kploop_tc_trim) on the ingress of a
# second ipip device: bpf_skb_change_tail() trims the IP packet,
# bpf_skb_change_head() pushes a few zero bytes as its MAC header (without
# one bpf_redirect() refuses to send to an Ethernet device), bpf_redirect()
# to kp0's egress.  Frames of 1 and 13 bytes are runts; one of 14 (ETH_HLEN,
# trimmed the same way) is transmitted and received, counted to the byte.
#
# Netpoll: netconsole on a kp_loop device is refused at setup with
# netpoll's "doesn't support polling" (our xmit needs BH off, netpoll calls
# it with IRQs off).

source "$(dirname "$0")/lib.sh"

NS=kpgrd-$$
LOCAL=10.74.0.1
REMOTE=10.74.0.2	# also ours: the GRE packets' source
TRIM=10.74.0.3		# ipt1's local address: the BPF cases' packets
KP_TRIM=$KP_BIN/kploop_tc_trim

# ipip_send LEN [DST [COUNT]]: COUNT (default 1) IPIP packets to DST
# (default LOCAL) whose inner "packet" is LEN bytes (an IPv4 header's first
# bytes, padded: a bad header checksum, so GRO leaves it alone), from a raw
# socket.
ipip_send() {
	ip netns exec "$NS" python3 - "${2:-$LOCAL}" "$1" "${3:-1}" <<'EOF'
import socket, sys
inner = bytes([0x45, 0, 0, int(sys.argv[2])]) + bytes(int(sys.argv[2]) - 4)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IPIP)
for _ in range(int(sys.argv[3])):
    s.sendto(inner, (sys.argv[1], 0))
EOF
}

# gre_send LEN: one GRE packet from REMOTE to LOCAL carrying LEN bytes of
# protocol 0x88b5 (local experimental), from a raw socket.
gre_send() {
	ip netns exec "$NS" python3 - "$LOCAL" "$REMOTE" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
s.bind((sys.argv[2], 0))
s.sendto(bytes([0, 0, 0x88, 0xb5]) + bytes(range(int(sys.argv[3]))),
         (sys.argv[1], 0))
EOF
}

test_setup() {
	local dev

	ip -n "$NS" link add d0 type dummy
	ip -n "$NS" addr add "$LOCAL/24" dev d0
	ip -n "$NS" link set d0 up
	ip -n "$NS" link add ipt0 type ipip local "$LOCAL" remote any
	ip -n "$NS" link set ipt0 up
	ip -n "$NS" link add kp0 type kploop
	ip -n "$NS" link set kp0 up
	ip -n "$NS" addr add "$REMOTE/24" dev d0
	# With a remote, no header_ops: what gt0 receives starts at the
	# inner packet (mac_len 0), so mirred pushes nothing in front.
	ip -n "$NS" link add gt0 type gre local "$LOCAL" remote "$REMOTE"
	ip -n "$NS" link set gt0 up
	for dev in ipt0 gt0; do
		tc -n "$NS" qdisc add dev "$dev" clsact
		tc -n "$NS" filter add dev "$dev" ingress matchall \
			action mirred egress redirect dev kp0
	done
	# for the BPF cases, which attach their program themselves
	ip -n "$NS" addr add "$TRIM/24" dev d0
	ip -n "$NS" link add ipt1 type ipip local "$TRIM" remote any
	ip -n "$NS" link set ipt1 up
}

# counters of kp0: "tx_packets tx_runt_drops rx_packets"
kp0_counters() {
	local s

	s=$(kp_stats kp0 "$NS")
	echo "$(kp_kv tx_packets "$s") $(kp_kv tx_runt_drops "$s") $(kp_kv rx_packets "$s")"
}

test_runt() {
	local n=5 i tx0 runt0 rx0 tx1 runt1 rx1 drops

	read -r tx0 runt0 rx0 < <(kp0_counters)
	for ((i = 0; i < n; i++)); do
		gre_send 8
	done
	read -r tx1 runt1 rx1 < <(kp0_counters)
	kp_eq "tx_runt_drops delta" "$n" $((runt1 - runt0))
	kp_eq "tx_packets, rx_packets deltas" "0 0" "$((tx1 - tx0)) $((rx1 - rx0))"
	drops=$(ip -n "$NS" -j -s link show kp0 | jq -r '.[0].stats64.tx.dropped')
	kp_eq "ip -s: tx dropped" "$n" "$drops"
	kp_eq "gt0 received them (the redirect ran)" "$n" \
		"$(ip -n "$NS" -j -s link show gt0 | jq -r '.[0].stats64.rx.packets')"
}

test_headerless() {
	local tx0 runt0 rx0 tx1 runt1 rx1

	read -r tx0 runt0 rx0 < <(kp0_counters)
	ipip_send 20
	read -r tx1 runt1 rx1 < <(kp0_counters)
	kp_eq "tx_packets, tx_runt_drops, rx_packets deltas" "1 0 1" \
		"$((tx1 - tx0)) $((runt1 - runt0)) $((rx1 - rx0))"
}

# counters of kp0 and ipt1: "tx_packets tx_runt_drops rx_packets tx_bytes
# rx_bytes ipt1_rx_packets"
trim_counters() {
	local s

	s=$(kp_stats kp0 "$NS")
	echo "$(kp_kv tx_packets "$s") $(kp_kv tx_runt_drops "$s")" \
	     "$(kp_kv rx_packets "$s") $(kp_kv tx_bytes "$s")" \
	     "$(kp_kv rx_bytes "$s") $(kp_link_stat ipt1 rx_packets "$NS")"
}

# trim_delta BEFORE AFTER: trim_counters AFTER minus BEFORE, field by field
trim_delta() {
	local b a i out=

	read -r -a b <<<"$1"
	read -r -a a <<<"$2"
	if [ ${#a[@]} -ne 6 ] || [ ${#b[@]} -ne 6 ]; then
		kp_fail "bad counters '$1' / '$2'"
		return 1
	fi
	for i in "${!a[@]}"; do
		out+="${out:+ }$((a[i] - b[i]))"
	done
	echo "$out"
}

# trim_run TAIL HEAD N: kploop_tc_trim on ipt1's ingress (frames of the
# IP packet's first TAIL bytes behind HEAD zero bytes to kp0's egress), N
# 20-byte IPIP packets to ipt1.  Leaves the program attached; sets
# TRIM_DELTA to the deltas of trim_counters and TRIM_STATS to the
# program's own counters.
trim_run() {
	local tail=$1 head=$2 n=$3 before after

	ip netns exec "$NS" "$KP_TRIM" attach ipt1 kp0 "$tail" "$head"
	before=$(trim_counters)
	ipip_send 20 "$TRIM" "$n"
	after=$(trim_counters)
	TRIM_DELTA=$(trim_delta "$before" "$after")
	TRIM_STATS=$(ip netns exec "$NS" "$KP_TRIM" stats ipt1)
	kp_log "$tail + $head bytes: kp0 tx rt rx txb rxb, ipt1 rx: $TRIM_DELTA; BPF: $TRIM_STATS"
}

# A runt that comes from tc BPF: dropped, counted, nothing handed on.  If
# the guard were gone, the frames would be counted in tx_packets (and the
# short frame read as an Ethernet header) instead of tx_runt_drops.
test_bpf_runt() {
	local n=4 len tail head drops0 drops1

	for len in "0 1" "5 8"; do
		read -r tail head <<<"$len"
		drops0=$(kp_link_stat kp0 tx_dropped "$NS")
		trim_run "$tail" "$head" "$n"
		drops1=$(kp_link_stat kp0 tx_dropped "$NS")
		kp_eq "$((tail + head))-byte frames: BPF program" \
			"seen=$n tail_errors=0 head_errors=0" "$TRIM_STATS"
		kp_eq "$((tail + head))-byte frames: kp0 tx_packets, tx_runt_drops, rx_packets, tx_bytes, rx_bytes; ipt1 rx_packets" \
			"0 $n 0 0 0 $n" "$TRIM_DELTA"
		kp_eq "$((tail + head))-byte frames: ip -s: kp0 tx dropped delta" \
			"$n" $((drops1 - drops0))
	done
	ip netns exec "$NS" "$KP_TRIM" detach ipt1
}

# The control: trimmed the same way to ETH_HLEN bytes, a frame is sent and
# received (a frame of type 0 to 00:00:00:00:00:00).  Then the program is
# detached: nothing reaches kp0 any more.
test_bpf_whole() {
	local n=4 tail=6 head=8 before after

	trim_run "$tail" "$head" "$n"
	kp_eq "14-byte frames: BPF program" \
		"seen=$n tail_errors=0 head_errors=0" "$TRIM_STATS"
	kp_eq "14-byte frames: kp0 tx_packets, tx_runt_drops, rx_packets, tx_bytes, rx_bytes; ipt1 rx_packets" \
		"$n 0 $n $((14 * n)) $((14 * n)) $n" "$TRIM_DELTA"
	ip netns exec "$NS" "$KP_TRIM" detach ipt1
	kp_eq "tc filters left on ipt1's ingress" "" \
		"$(tc -n "$NS" filter show dev ipt1 ingress)"
	before=$(trim_counters)
	ipip_send 20 "$TRIM" "$n"
	after=$(trim_counters)
	kp_eq "detached: kp0 tx_packets, tx_runt_drops, rx_packets, tx_bytes, rx_bytes; ipt1 rx_packets" \
		"0 0 0 0 0 $n" "$(trim_delta "$before" "$after")"
}

# netconsole's module parameter names a target; 6.1 fails the module load
# when it cannot be set up, later kernels with dynamic targets load and
# keep it disabled.  Either way: refused with netpoll's message, and a
# kernel message later nothing is sent on the device.
test_netconsole() {
	local out rc=0 tx0 tx1

	kp_flush ""
	ip link add kpnc0 type kploop
	# nothing of its own to send (router solicitations, DAD)
	sysctl -qw net.ipv6.conf.kpnc0.disable_ipv6=1
	ip addr add 10.74.9.1/24 dev kpnc0
	ip link set kpnc0 up
	! [ -d /sys/module/netconsole ] || kp_fail "netconsole is already loaded"
	tx0=$(kp_stat kpnc0 tx_packets)
	out=$(modprobe netconsole \
	      netconsole=6666@10.74.9.1/kpnc0,6666@10.74.9.2/02:00:00:00:00:01 2>&1) || rc=$?
	kp_log "modprobe netconsole: exit $rc: $out"
	echo "kpath: kploop_guards: a message netconsole must not send" >/dev/kmsg
	tx1=$(kp_stat kpnc0 tx_packets)
	if [ -d /sys/module/netconsole ]; then
		rmmod netconsole
	fi
	dmesg | grep -q "kpnc0 doesn't support polling" ||
		kp_fail "no \"kpnc0 doesn't support polling\" in the kernel log"
	kp_eq "frames sent on kpnc0" 0 $((tx1 - tx0))
	ip link del kpnc0
}

kp_setup
command -v python3 >/dev/null || kp_skip "python3 not installed"
command -v tc >/dev/null || kp_skip "tc not installed"
[ -x "$KP_TRIM" ] || kp_skip "kploop_tc_trim not built ($KP_TRIM)"
kp_plan 6
kp_netns_add "$NS"
kp_run "guards: kp0 fed by tc mirred from ipip's and gre's ingress" test_setup
kp_run "guards: 8-byte headerless frames dropped as runts, counted" test_runt
kp_run "guards: a 20-byte headerless frame is transmitted" test_headerless
kp_run "guards: tc BPF trims and redirects to kp0: 1 and 13 bytes dropped as runts" \
	test_bpf_runt
kp_run "guards: tc BPF trims to 14 bytes: transmitted, not a runt; detached" \
	test_bpf_whole
kp_run "guards: netconsole on a kp_loop device is refused" test_netconsole
kp_exit
