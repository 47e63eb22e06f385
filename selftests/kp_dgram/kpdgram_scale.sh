#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 10,000 kp_dgram sockets bound at once (RLIMIT_NOFILE raised by kp_dg),
# IPv4 then IPv6, each in a netns of its own: each socket receives the one
# datagram addressed to its port and nothing else, /proc/net/kp_dgram{,6}
# and sock-get list every one of them, the counters are exact.  The time
# of a datagram there and back with 10 and with 10,000 sockets bound is
# printed (the lookup is a 65536-bucket hash by port), never asserted.

source "$(dirname "$0")/lib.sh"

N=10000
BASE=20000
ROUNDS=2000		# kp_dg many: datagrams timed with 10, then N sockets
NS4=kdscale4-$$
NS6=kdscale6-$$

# many NETNS FAMILY
many() {
	local ns=$1 fam=$2 out want

	out=$(ip netns exec "$ns" "$KD_DG" many "-$fam" -n "$N" -p "$BASE")
	kp_log "$out"
	kp_eq "sockets that received their own datagram" "$N" "$(kp_kv received "$out")"
	kp_eq "our ports listed in /proc/net/kp_dgram$([ "$fam" = 6 ] && echo 6)" \
		"$N" "$(kp_kv proc_listed "$out")"
	# and the sender's socket
	kp_eq "lines in /proc/net/kp_dgram$([ "$fam" = 6 ] && echo 6)" \
		$((N + 1)) "$(kp_kv proc_lines "$out")"
	kp_eq "sockets in sock-get's dump" $((N + 1)) "$(kp_kv genl_listed "$out")"
	kp_log "lookup: $(kp_kv us_per_datagram_10 "$out") us per datagram with 10 sockets," \
		"$(kp_kv "us_per_datagram_$N" "$out") us with $N (not asserted)"
	want=$((N + 2 * ROUNDS))
	kd_expect_counters "$ns" "in_datagrams$fam=$want out_datagrams$fam=$want
		no_ports$fam=0 in_errors$fam=0 rcvbuf_errors$fam=0 sndbuf_errors$fam=0"
	# closed: the table is empty again
	kp_eq "lines in the table after close" 0 \
		"$(ip netns exec "$ns" cat "/proc/net/kp_dgram$([ "$fam" = 6 ] && echo 6)" | tail -n +2 | wc -l)"
}

test_v4() { many "$NS4" 4; }
test_v6() { many "$NS6" 6; }

kd_setup
kd_netns_add "$NS4" "$NS6"
kp_plan 2
kp_run "scale: $N IPv4 sockets, each gets its datagram, all listed" test_v4
kp_run "scale: $N IPv6 sockets, each gets its datagram, all listed" test_v6
kp_exit
