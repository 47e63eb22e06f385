#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kp_dgram across a kp_loop pair between two netns, IPv4 and IPv6:
# kpdgram_pair (C, kselftest harness) sends every size up to the largest
# datagram both ways, through fragmentation at the pair's MTU of 1500,
# byte for byte, with the counters of both netns exact; SO_BINDTODEVICE
# picks the socket; ICMP port unreachable comes back across the pair,
# ECONNREFUSED, port-unreach off.

source "$(dirname "$0")/lib.sh"

NSA=kdpair-a-$$
NSB=kdpair-b-$$
A4=10.253.1.1
B4=10.253.1.2
A6=fd00:253:1::1
B6=fd00:253:1::2
PAIR=$KD_BIN/kpdgram_pair

# mac NETNS DEV, mtu NETNS DEV: from "ip -o link" (jq costs ~0.5 s a run
# in the TCG VM)
mac() { ip -n "$1" -o link show dev "$2" | sed -n 's/.* link\/ether \([0-9a-f:]*\) .*/\1/p'; }
mtu() { ip -n "$1" -o link show dev "$2" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }

test_setup() {
	local ns

	kp_pair "$NSA" a0 "$A4" "$NSB" b0 "$B4"
	ip -n "$NSA" addr add "$A6/64" dev a0 nodad
	ip -n "$NSB" addr add "$B6/64" dev b0 nodad
	ip -n "$NSA" -6 neigh replace "$B6" lladdr "$(mac "$NSB" b0)" dev a0 nud permanent
	ip -n "$NSB" -6 neigh replace "$A6" lladdr "$(mac "$NSA" a0)" dev b0 nud permanent
	for ns in "$NSA" "$NSB"; do
		# the ICMP errors the tests wait for: none held back
		ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 \
			net.ipv6.icmp.ratelimit=0
	done
	kp_eq "MTU of a0" 1500 "$(mtu "$NSA" a0)"
	kp_eq "MTU of b0" 1500 "$(mtu "$NSB" b0)"
	kp_eq "IPv6 address of b0" "$B6/64" \
		"$(ip -n "$NSB" -6 -o addr show dev b0 scope global | awk '{ print $4 }')"
}

test_pair() {
	[ -x "$PAIR" ] || kp_fail "$PAIR not built (make -C selftests)"
	KD_NSA=$NSA KD_NSB=$NSB KD_DEV_A=a0 KD_DEV_B=b0 KD_A4=$A4 KD_B4=$B4 \
		KD_A6=$A6 KD_B6=$B6 KD_MTU=1500 "$PAIR"
}

kd_setup
kp_load_module
[ -x "$KPCTL" ] || kp_skip "kpctl not built ($KPCTL): it makes kp_loop pairs"
command -v jq >/dev/null || kp_skip "jq not installed"
kd_netns_add "$NSA" "$NSB"
kp_plan 2
kp_run "pair: a kp_loop pair across two netns, IPv4 and IPv6 addresses" test_setup
kp_run "pair: integrity both ways, counters, SO_BINDTODEVICE, ICMP, ECONNREFUSED (kpdgram_pair, IPv4 + IPv6)" \
	test_pair
kp_exit
