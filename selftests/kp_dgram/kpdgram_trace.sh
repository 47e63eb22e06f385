#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kp_dgram's tracepoints: kp_dgram_send, kp_dgram_rcv,
# kp_dgram_lookup_miss and kp_dgram_queue are in tracefs
# (/sys/kernel/tracing/events/kp_dgram/) and fire once per datagram where
# they should, IPv4 and IPv6, in a netns of their own: N datagrams to a
# bound socket and M to a port nobody has give N + M send and rcv events,
# N queue events and M lookup misses; the counters agree.

source "$(dirname "$0")/lib.sh"

T=/sys/kernel/tracing
EVENTS="kp_dgram_send kp_dgram_rcv kp_dgram_lookup_miss kp_dgram_queue"
NS=kdtrace-$$
N=25
M=3

test_present() {
	local e

	[ -d "$T/events" ] || mount -t tracefs nodev "$T"
	for e in $EVENTS; do
		[ -d "$T/events/kp_dgram/$e" ] ||
			kp_fail "no tracepoint kp_dgram:$e in $T/events/kp_dgram/"
		[ -f "$T/events/kp_dgram/$e/format" ] ||
			kp_fail "kp_dgram:$e has no format file"
		kp_log "$e: $(sed -n 's/^print fmt: //p' "$T/events/kp_dgram/$e/format")"
	done
	kp_eq "tracepoints in events/kp_dgram" 4 \
		"$(find "$T/events/kp_dgram" -mindepth 1 -maxdepth 1 -type d | wc -l)"
}

# fire FAMILY ADDR
fire() {
	local fam=$1 addr=$2 f=$KP_TMPDIR/trace$1 out got want inet=inet

	[ "$fam" = 4 ] || inet=inet6
	echo 0 >"$T/tracing_on"
	echo >"$T/trace"
	echo 4096 >"$T/buffer_size_kb"
	echo 1 >"$T/events/kp_dgram/enable"
	echo 1 >"$T/tracing_on"
	out=$(ip netns exec "$NS" "$KD_DG" xfer "-$fam" -c "$N" "$addr")
	kp_log "xfer: $out"
	# port 9: nothing is bound to it in this netns
	out=$(ip netns exec "$NS" "$KD_DG" send "-$fam" -c "$M" "$addr" 9)
	kp_log "send: $out"
	kp_wait_until 5 test "$(kd_counter "no_ports$fam" "$NS")" -ge "$M"
	echo 0 >"$T/events/kp_dgram/enable"
	cat "$T/trace" >"$f"
	echo >"$T/trace"
	! grep -q LOST "$f" || kp_fail "trace events were lost"
	# one line: "kp_dgram_send=N kp_dgram_rcv=N ..." (kp_kv reads it)
	got=$(awk -v ev="$EVENTS" '
		BEGIN { n = split(ev, e); for (i = 1; i <= n; i++) c[e[i]] = 0 }
		{ for (i = 1; i <= n; i++) if (index($0, " " e[i] ": ")) { c[e[i]]++; if (!ex[e[i]]++) print $0 > "/dev/stderr" } }
		END { for (i = 1; i <= n; i++) printf "%s%s=%d", (i > 1 ? " " : ""), e[i], c[e[i]]; print "" }' "$f")
	kp_log "events: $got"
	kp_eq "kp_dgram_send events" $((N + M)) "$(kp_kv kp_dgram_send "$got")"
	kp_eq "kp_dgram_rcv events" $((N + M)) "$(kp_kv kp_dgram_rcv "$got")"
	kp_eq "kp_dgram_queue events" "$N" "$(kp_kv kp_dgram_queue "$got")"
	kp_eq "kp_dgram_lookup_miss events" "$M" "$(kp_kv kp_dgram_lookup_miss "$got")"
	# the misses are the datagrams to port 9, of this family
	kp_eq "kp_dgram_lookup_miss events for port 9, $inet" "$M" \
		"$(grep ' kp_dgram_lookup_miss: ' "$f" | grep -c "family=$inet .*dport=9 ")"
	want="in_datagrams$fam=$N no_ports$fam=$M out_datagrams$fam=$((N + M))"
	kd_expect_counters "$NS" "$want"
}

test_v4() { fire 4 127.0.0.1; }
test_v6() { fire 6 ::1; }

kd_setup
kd_netns_add "$NS"
kp_plan 3
kp_run "trace: kp_dgram tracepoints present in tracefs" test_present
kp_run "trace: IPv4 send / rcv / queue / lookup_miss fire once per datagram" test_v4
kp_run "trace: IPv6 send / rcv / queue / lookup_miss fire once per datagram" test_v6
echo 0 >"$T/tracing_on" 2>/dev/null || true
echo 1 >"$T/tracing_on" 2>/dev/null || true
kp_exit
