#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kp_nic against the kernel's own drivers on the same QEMU hub: igb on the
# same 82576 model, e1000e on the 82574L model.  Ping, UDP with exact
# counters on both drivers, 20 MB of TCP each way checked by sha256, and
# no length errors at the peer (kp_nic pads short frames; the model does
# not, and igb counts every unpadded frame as rx_short_length_errors).

source "$(dirname "$0")/lib.sh"

IPK=10.91.0.1
IPP=10.91.0.2

# kn_rx_length_errors NS DEV: rx length errors (ip -s -s).
kn_rx_length_errors() {
	ip -n "$1" -j -s -s link show dev "$2" |
		jq -er '.[0].stats64.rx.length_errors'
}

# kn_interop PEER_PCI DRIVER: the same checks against one peer, in two
# netns of this case's own (deleting them gives the devices back).
kn_interop() {
	local peer=$1 drv=$2 runts0 runts nsk=knk$RANDOM nsp=knp$RANDOM

	# shellcheck disable=SC2064 # expand now
	trap "ip netns del $nsk 2>/dev/null; ip netns del $nsp 2>/dev/null" EXIT
	ip netns add "$nsk"
	ip netns add "$nsp"
	for ns in "$nsk" "$nsp"; do
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	kn_link "$nsk" "$KN_A" "$IPK" "$nsp" "$peer" "$IPP"
	kp_eq "peer driver" "driver: $drv" \
		"$(ip netns exec "$nsp" ethtool -i "$KN_DEV_B" | grep '^driver:')"
	runts0=$(kn_rx_length_errors "$nsp" "$KN_DEV_B")
	# 42-byte frames (ICMP without payload): kp_nic pads them to 60
	ip netns exec "$nsk" ping -q -c 20 -i 0.05 -W 5 -s 0 "$IPP" >/dev/null
	ip netns exec "$nsp" ping -q -c 5 -i 0.1 -W 5 "$IPK" >/dev/null
	kn_udp_exact "$nsk" "$KN_DEV_A" "$nsp" "$KN_DEV_B" "$IPP" 500 24
	kn_udp_exact "$nsp" "$KN_DEV_B" "$nsk" "$KN_DEV_A" "$IPK" 500 1472
	kn_tcp_sha "$nsk" "$nsp" "$IPP" 20
	kn_tcp_sha "$nsp" "$nsk" "$IPK" 20
	runts=$(kn_rx_length_errors "$nsp" "$KN_DEV_B")
	kp_eq "$drv rx_length_errors from kp_nic's frames" 0 $((runts - runts0))
}

test_igb() {
	kn_interop "$KN_C" igb
}

test_e1000e() {
	[ -n "$KN_D" ] || kp_skip "no 82574L (e1000e) in this VM"
	kn_interop "$KN_D" e1000e
}

kn_setup

kp_plan 2
kp_run "kp_nic <-> igb (82576): ping, exact UDP, TCP 20 MB each way" test_igb
kp_run "kp_nic <-> e1000e (82574L): ping, exact UDP, TCP 20 MB each way" test_e1000e
kp_exit
