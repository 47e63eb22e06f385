#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Network and user namespaces.  Either end of a pair, and a loop device,
# move to another netns with `ip link set DEV netns NS` (as veth ends do):
# the peer link and link-netnsid follow at once, traffic flows, and the
# counters (tx derived from the peer's, across netns) stay exact.  Root
# of a container (its own user + net namespace, made by `unshare -Urn`,
# also from an unprivileged user) can create a device and set faults and
# carrier with kpctl (that an unprivileged user of the initial namespace
# cannot is kploop_netlink.sh's).

source "$(dirname "$0")/lib.sh"

NSA=kpns-a-$$
NSB=kpns-b-$$
PORT=7301

# link_of NS DEV: "LINK LINK_NETNSID" as ip reports them ("-" if none):
# the peer's name in the same netns, else its ifindex and the netnsid.
link_of() {
	ip -n "$1" -j -d link show dev "$2" |
		jq -r '.[0] | "\(.link // .link_index // "-") \(.link_netnsid // "-")"'
}

# kpctl_peer NS DEV: "PEER_IFINDEX LINK_NETNSID" as kpctl reports them.
kpctl_peer() {
	"$KPCTL" -n "$1" -j loop show "$2" |
		jq -r '.[0] | "\(.peer_ifindex // "-") \(.link_netnsid // "-")"'
}

# udp NS_SRC NS_DST DST_ADDR N: N datagrams, all delivered intact.
udp() {
	local out

	kp_udp_recv_bg "$2" "$KP_TMPDIR/rx" -c "$4" -t 3000 "$PORT"
	out=$(ip netns exec "$1" "$KP_UDP" send -c "$4" -s 100 "$3" "$PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rx"
	kp_log "sender: $out; receiver: $KP_RES"
	kp_eq "datagrams received" "$4" "$(kp_kv received "$KP_RES")"
	kp_eq "distinct datagrams" "$4" "$(kp_kv unique "$KP_RES")"
	kp_eq "bad payloads" 0 "$(kp_kv bad "$KP_RES")"
}

test_pair_move() {
	local i0 i1 idb ida s0 s1 s

	kp_flush "$NSA" "$NSB"
	"$KPCTL" -n "$NSA" loop add m0 peer m1
	i0=$(kp_ifindex "$NSA" m0)

	# One end leaves: the other sees it in B at once.
	ip -n "$NSA" link set m1 netns "$NSB"
	i1=$(kp_ifindex "$NSB" m1)
	idb=$(kp_nsid "$NSA" "$NSB")
	ida=$(kp_nsid "$NSB" "$NSA")
	kp_eq "ip: m0's link after m1 moved to B" "$i1 $idb" "$(link_of "$NSA" m0)"
	kp_eq "ip: m1's link in B" "$i0 $ida" "$(link_of "$NSB" m1)"
	kp_eq "kpctl: m0's peer" "$i1 $idb" "$(kpctl_peer "$NSA" m0)"
	kp_eq "kpctl: m1's peer" "$i0 $ida" "$(kpctl_peer "$NSB" m1)"
	kp_eq "carrier of m1 (both ends down)" 0 \
		"$(ip -n "$NSB" -j link show m1 | jq -r '.[0].flags | index("LOWER_UP") // 0')"

	ip -n "$NSA" addr add 10.73.0.1/24 dev m0
	ip -n "$NSB" addr add 10.73.0.2/24 dev m1
	ip -n "$NSA" link set m0 up
	ip -n "$NSB" link set m1 up
	kp_static_neigh "$NSA" m0 10.73.0.1 "$NSB" m1 10.73.0.2
	udp "$NSA" "$NSB" 10.73.0.2 100
	udp "$NSB" "$NSA" 10.73.0.1 100
	# An end's tx is derived from the counters of its peer, in another
	# netns here: exact, and unchanged by the moves below.
	s0=$(kp_stats m0 "$NSA")
	s1=$(kp_stats m1 "$NSB")
	kp_log "m0: $s0"
	kp_log "m1: $s1"
	for s in "$s0" "$s1"; do
		kp_eq "tx and rx packets, bytes (100 frames of 142 bytes each way)" \
			"100 14200 100 14200" \
			"$(kp_kv tx_packets "$s") $(kp_kv tx_bytes "$s") $(kp_kv rx_packets "$s") $(kp_kv rx_bytes "$s")"
	done
	kp_eq "m0 ip -s link tx, rx packets" "100 100" \
		"$(kp_link_stat m0 tx_packets "$NSA") $(kp_link_stat m0 rx_packets "$NSA")"

	# Back home: no netnsid any more.
	ip -n "$NSB" link set m1 netns "$NSA"
	kp_eq "ip: m0's link after m1 came back" "m1 -" "$(link_of "$NSA" m0)"
	kp_eq "kpctl: m1's peer after it came back" "$i0 -" "$(kpctl_peer "$NSA" m1)"
	kp_eq "m0's counters after m1 moved" "$s0" "$(kp_stats m0 "$NSA")"
	kp_eq "m1's counters after its move" "$s1" "$(kp_stats m1 "$NSA")"

	# The other end may move as well; both in B, still a pair.
	ip -n "$NSA" link set m0 netns "$NSB"
	kp_eq "m1's counters after m0 moved to B" "$s1" "$(kp_stats m1 "$NSA")"
	ip -n "$NSA" link set m1 netns "$NSB"
	kp_eq "kpctl: m0's peer, both ends in B" "$(kp_ifindex "$NSB" m1) -" \
		"$(kpctl_peer "$NSB" m0)"
	kp_eq "m0's counters, both ends in B" "$s0" "$(kp_stats m0 "$NSB")"
	kp_eq "m1's counters, both ends in B" "$s1" "$(kp_stats m1 "$NSB")"
	ip -n "$NSB" link del m0
	kp_eq "deleting m0 deleted m1" "" \
		"$(ip -n "$NSB" -j link show | jq -r '.[] | select(.ifname == "m1") | .ifname')"
}

test_loop_move() {
	local before after out

	kp_flush "$NSA" "$NSB"
	ip -n "$NSA" link add l0 type kploop
	ip -n "$NSA" link set l0 netns "$NSB"
	kp_eq "mode of l0 in B" loop \
		"$("$KPCTL" -n "$NSB" -j loop show l0 | jq -r '.[0].mode')"
	ip -n "$NSB" addr add 10.73.1.1/24 dev l0
	ip -n "$NSB" link set l0 up
	before=$(kp_stats l0 "$NSB")
	# a receiver, or the stack would answer with port unreachables
	kp_udp_recv_bg "$NSB" "$KP_TMPDIR/rxl" -c 20 -t 3000 "$PORT"
	out=$(ip netns exec "$NSB" "$KP_UDP" inject -i l0 -c 20 -s 64 -S 0 \
	      --src-ip 10.73.1.2 --dst-ip 10.73.1.1 "$PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$KP_TMPDIR/rxl"
	after=$(kp_stats l0 "$NSB")
	kp_log "inject: $out; receiver: $KP_RES"
	kp_eq "datagrams received" 20 "$(kp_kv received "$KP_RES")"
	kp_eq "tx_packets delta" 20 "$(kp_delta tx_packets "$before" "$after")"
	kp_eq "rx_packets delta" 20 "$(kp_delta rx_packets "$before" "$after")"
}

# The commands a container's root runs, in its own user + net namespace.
CONTAINER_SCRIPT='
set -e
ip link add c0 type kploop
ip link set c0 up
"$KPCTL" loop set c0 drop 1% carrier off
"$KPCTL" -j loop show c0
'

# in_container [setpriv args]: run CONTAINER_SCRIPT, print drop_ppm and
# the administrative carrier kpctl then shows.
in_container() {
	"$@" unshare -Urn env KPCTL="$KPCTL" bash -c "$CONTAINER_SCRIPT" |
		jq -r '.[0] | "\(.drop_ppm) \(.admin_carrier)"'
}

test_container_root() {
	kp_eq "drop_ppm, admin carrier set by root of a container" "10000 false" \
		"$(in_container)"
}

test_container_of_unprivileged_user() {
	# Debian's kernel has a switch for it; on by default there.
	[ ! -e /proc/sys/kernel/unprivileged_userns_clone ] ||
		sysctl -qw kernel.unprivileged_userns_clone=1
	kp_eq "drop_ppm, admin carrier set by a user's container root" \
		"10000 false" \
		"$(in_container setpriv --reuid=65534 --regid=65534 --clear-groups)"
}

kp_setup
kp_need_udp
kp_tmpdir
command -v setpriv >/dev/null || kp_skip "setpriv not installed"
kp_plan 4
kp_netns_add "$NSA" "$NSB"
kp_run "netns: either end of a pair moves; link-netnsid, peer, traffic and counters follow" \
	test_pair_move
kp_run "netns: a loop device moves and works in its new netns" test_loop_move
kp_run "userns: root of a container (unshare -Urn) sets faults and carrier" \
	test_container_root
kp_run "userns: so does the root of an unprivileged user's container" \
	test_container_of_unprivileged_user
kp_exit
