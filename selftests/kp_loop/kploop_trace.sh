#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tracepoints and reproducible faults.  kp_loop's events (kp_loop_xmit,
# kp_loop_fault, kp_loop_rx, in tracefs as perf lists them) agree with the
# counters frame for frame; a seed makes a fault run replay exactly (the
# same frames dropped, the same bits flipped), another seed does not; and
# the Gilbert-Elliott model drops in bursts, at the rate its parameters
# give.

source "$(dirname "$0")/lib.sh"

NSA=kptr-a-$$
NSB=kptr-b-$$
ADDR_B=10.75.0.2
PORT=7401
T=/sys/kernel/tracing

trace_on() {
	echo 0 >"$T/tracing_on"
	echo >"$T/trace"
	echo 1 >"$T/events/kp_loop/enable"
	echo 1 >"$T/tracing_on"
}

# trace_off FILE: stop tracing, keep the kp_loop lines in FILE.
trace_off() {
	echo 0 >"$T/events/kp_loop/enable"
	cat "$T/trace" >"$1.all"
	echo >"$T/trace"
	! grep -q 'LOST' "$1.all" || kp_fail "trace events were lost"
	grep ' kp_loop_' "$1.all" >"$1" || true
}

# send N: N UDP datagrams from A to B over a0 - b0.
send() {
	local out

	out=$(ip netns exec "$NSA" "$KP_UDP" send -c "$1" -s 64 "$ADDR_B" "$PORT")
	kp_eq "datagrams sent" "$1" "$(kp_kv sent "$out")"
}

# faults FILE: "frame:drop:corrupt:offset:bit:dup" of a0's fault events.
faults() {
	sed -n 's/.*kp_loop_fault: dev=a0 frame=\([0-9]*\) drop=\([01]\) corrupt=\([01]\) offset=\([0-9]*\) bit=\([0-9]\) dup=\([01]\).*/\1:\2:\3:\4:\5:\6/p' "$1"
}

test_setup() {
	local e

	kp_pair "$NSA" a0 10.75.0.1 "$NSB" b0 "$ADDR_B"
	[ -d "$T/events" ] || mount -t tracefs nodev "$T"
	for e in kp_loop_xmit kp_loop_fault kp_loop_rx; do
		[ -d "$T/events/kp_loop/$e" ] || kp_fail "no tracepoint kp_loop:$e"
	done
	echo 8192 >"$T/buffer_size_kb"
}

test_events_match_counters() {
	local n=300 a0 b0 a1 b1 f=$KP_TMPDIR/t1

	"$KPCTL" -n "$NSA" loop set a0 drop 10% seed 11
	a0=$(kp_stats a0 "$NSA")
	b0=$(kp_stats b0 "$NSB")
	trace_on
	send "$n"
	trace_off "$f"
	a1=$(kp_stats a0 "$NSA")
	b1=$(kp_stats b0 "$NSB")
	"$KPCTL" -n "$NSA" loop set a0 drop 0 seed 0

	kp_eq "kp_loop_xmit events on a0" "$n" "$(grep -c 'kp_loop_xmit: dev=a0 ' "$f")"
	kp_eq "kp_loop_fault events on a0" "$n" "$(faults "$f" | wc -l)"
	kp_eq "drop=1 events = fault_drops delta" \
		"$(kp_delta fault_drops "$a0" "$a1")" \
		"$(faults "$f" | grep -c '^[0-9]*:1:')"
	kp_eq "kp_loop_rx ok events on b0 = rx_packets delta" \
		"$(kp_delta rx_packets "$b0" "$b1")" \
		"$(grep -c 'kp_loop_rx: dev=b0 len=[0-9]* ret=ok' "$f")"
	kp_eq "frame numbers 0..n-1" "0 $((n - 1))" \
		"$(faults "$f" | cut -d: -f1 | sort -n | sed -n '1p;$p' | xargs)"
}

# run SEED FILE: one seeded run of 300 frames with drops and corruption,
# its fault decisions in FILE.
seeded_run() {
	local f=$KP_TMPDIR/trace-$1

	"$KPCTL" -n "$NSA" loop set a0 drop 20% corrupt 10% dup 5% seed "$1"
	trace_on
	send 300
	trace_off "$f"
	faults "$f" | sort -n >"$2"
}

test_seed_replays() {
	local r1=$KP_TMPDIR/r1 r2=$KP_TMPDIR/r2 r3=$KP_TMPDIR/r3

	seeded_run 4242 "$r1"
	seeded_run 4242 "$r2"
	seeded_run 4243 "$r3"
	"$KPCTL" -n "$NSA" loop set a0 drop 0 corrupt 0 dup 0 seed 0
	kp_log "seed 4242: $(grep -c '^[0-9]*:1:' "$r1") drops," \
	       "$(grep -c '^[0-9]*:0:1:' "$r1") corrupts; seed 4243:" \
	       "$(grep -c '^[0-9]*:1:' "$r3") drops"
	kp_eq "decisions recorded" 300 "$(wc -l <"$r1")"
	cmp -s "$r1" "$r2" || kp_fail "seed 4242 did not replay: $(diff "$r1" "$r2" | head -5)"
	! cmp -s "$r1" "$r3" || kp_fail "seeds 4242 and 4243 made the same decisions"
}

# Bursts: p = 2%, r = 20%, all lost in the bad state: loss p / (p + r) =
# 9.1%, mean burst 1 / r = 5 frames (independent loss at that rate: 1.1).
test_gilbert_elliott() {
	local n=4000 f=$KP_TMPDIR/ge a0 a1 drops bursts

	"$KPCTL" -n "$NSA" loop set a0 seed 99 ge-p 2% ge-r 20% ge-bad-drop 100% ge-good-drop 0
	a0=$(kp_stats a0 "$NSA")
	trace_on
	send "$n"
	trace_off "$f"
	a1=$(kp_stats a0 "$NSA")
	"$KPCTL" -n "$NSA" loop set a0 seed 0 ge-p 0
	read -r drops bursts < <(faults "$f" | sort -n | awk -F: '
		$2 == 1 { d++; if (!prev) b++ } { prev = $2 } END { print d + 0, b + 0 }')
	kp_log "GE: $drops drops in $bursts bursts of $n frames"
	kp_eq "drops = fault_drops delta" "$(kp_delta fault_drops "$a0" "$a1")" "$drops"
	kp_range "loss per mille (expected 91)" 50 140 $((drops * 1000 / n))
	kp_range "mean burst length x10 (expected 50)" 30 80 $((drops * 10 / bursts))
}

kp_setup
kp_need_udp
kp_tmpdir
kp_plan 4
kp_netns_add "$NSA" "$NSB"
kp_run "trace: kp_loop tracepoints present (tracefs, perf list)" test_setup
kp_run "trace: xmit, fault and rx events match the counters" \
	test_events_match_counters
kp_run "trace: a seed replays the same faults, another seed does not" \
	test_seed_replays
kp_run "trace: Gilbert-Elliott drops in bursts at the modelled rate" \
	test_gilbert_elliott
kp_exit
