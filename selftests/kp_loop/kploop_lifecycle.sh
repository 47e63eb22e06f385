#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Creation and deletion: loop mode with stock ip and with kpctl, pairs
# (deleting either end deletes both, also across netns; deleting the netns
# of either end deletes both), many add/del and netns cycles without leaks,
# and rmmod with devices present.

source "$(dirname "$0")/lib.sh"

NSA=kplc-a-$$
NSB=kplc-b-$$
NSTMP=kplc-t-$$		# created and deleted by single tests

# kploop_names [NS]: the kploop devices of NS, sorted, one line.
kploop_names() {
	ip ${1:+-n "$1"} -d -j link show |
		jq -r '[.[] | select(.linkinfo.info_kind == "kploop") | .ifname] |
		       sort | join(" ")'
}

# fresh: no kploop devices and no temporary netns left by a failed test.
fresh() {
	ip netns del "$NSTMP" 2>/dev/null || true
	kp_flush "" "$NSA" "$NSB"
}

# exists NS DEV
exists() {
	ip -n "$1" link show dev "$2" >/dev/null 2>&1
}

# expect_names NS "NAMES": the kploop devices of NS are exactly NAMES.
expect_names() {
	kp_eq "kploop devices in ${1:-the initial netns}" "$2" "$(kploop_names "$1")"
}

# wait_names SECONDS NS "NAMES": netns teardown is asynchronous.
wait_names() {
	local end=$((SECONDS + $1))

	while [ "$(kploop_names "$2")" != "$3" ] && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.1
	done
	expect_names "$2" "$3"
}

# show NS DEV FIELD: a field of `kpctl -j loop show DEV` in NS.
show() {
	"$KPCTL" -n "$1" -j loop show "$2" | jq -er ".[0].$3"
}

ifindex() {
	ip -n "$1" -j link show dev "$2" | jq -er '.[0].ifindex'
}

test_ip_loop() {
	local info text

	fresh

	ip -n "$NSA" link add kp0 type kploop
	info=$(ip -n "$NSA" -d -j link show dev kp0)
	text=$(ip -n "$NSA" -d link show dev kp0)
	kp_log "$text"
	kp_eq "kind (ip -d -j)" kploop "$(jq -r '.[0].linkinfo.info_kind' <<<"$info")"
	case "$text" in
	*" kploop "*) ;;
	*) kp_fail "ip -d link show does not name the kind kploop" ;;
	esac
	kp_eq "mode (kpctl)" loop "$(show "$NSA" kp0 mode)"
	kp_eq "peer_ifindex (kpctl)" null \
		"$("$KPCTL" -n "$NSA" -j loop show kp0 | jq -r '.[0].peer_ifindex')"
	expect_names "$NSA" kp0
	ip -n "$NSA" link del kp0
	! exists "$NSA" kp0 || kp_fail "kp0 still there after ip link del"
	expect_names "$NSA" ""
}

test_kpctl_loop() {
	fresh
	"$KPCTL" -n "$NSA" loop add kp0
	kp_eq "kind" kploop "$(ip -n "$NSA" -d -j link show dev kp0 |
			       jq -r '.[0].linkinfo.info_kind')"
	kp_eq "mode" loop "$(show "$NSA" kp0 mode)"
	"$KPCTL" -n "$NSA" loop del kp0
	expect_names "$NSA" ""
}

# A pair in one netns: deleting either end deletes both.
test_pair_same_netns() {
	local end

	fresh

	for end in kp0 kp1; do
		"$KPCTL" -n "$NSA" loop add kp0 peer kp1
		expect_names "$NSA" "kp0 kp1"
		kp_eq "kp0 mode" pair "$(show "$NSA" kp0 mode)"
		kp_eq "kp0's peer" "$(ifindex "$NSA" kp1)" \
			"$(show "$NSA" kp0 peer_ifindex)"
		kp_eq "kp1's peer" "$(ifindex "$NSA" kp0)" \
			"$(show "$NSA" kp1 peer_ifindex)"
		"$KPCTL" -n "$NSA" loop del "$end"
		expect_names "$NSA" ""
	done
	# and with stock ip
	"$KPCTL" -n "$NSA" loop add kp0 peer kp1
	ip -n "$NSA" link del kp1
	expect_names "$NSA" ""
}

# A pair across two netns: deleting either end deletes both.
test_pair_across_netns() {
	fresh
	"$KPCTL" -n "$NSA" loop add a0 peer b0 netns "$NSB"
	expect_names "$NSA" a0
	expect_names "$NSB" b0
	ip -n "$NSB" link del b0
	expect_names "$NSA" ""
	expect_names "$NSB" ""

	"$KPCTL" -n "$NSA" loop add a0 peer b0 netns "$NSB"
	"$KPCTL" -n "$NSA" loop del a0
	expect_names "$NSA" ""
	expect_names "$NSB" ""
}

# Deleting the netns of either end deletes both ends.
test_netns_del() {
	fresh
	# the netns of the peer
	ip netns add "$NSTMP"
	"$KPCTL" -n "$NSA" loop add a0 peer t0 netns "$NSTMP"
	expect_names "$NSTMP" t0
	ip netns del "$NSTMP"
	wait_names 10 "$NSA" ""

	# the netns of the device the pair was created from
	ip netns add "$NSTMP"
	"$KPCTL" -n "$NSTMP" loop add t0 peer a0 netns "$NSA"
	expect_names "$NSA" a0
	ip netns del "$NSTMP"
	wait_names 10 "$NSA" ""
}

# Values that must come back to their baseline after the cycles.
refcnt() { cat /sys/module/kp_loop/refcnt; }
netns_mounts() { ls /run/netns | sort | tr '\n' ' '; }
nsids() { ip ${1:+-n "$1"} -j netns list-id | jq -c 'sort_by(.nsid)'; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# Objects in the slabs of struct net (log only: SLUB counts whole slabs,
# and slabs are not given back, so this never shrinks).
netns_slab() {
	awk '$1 == "net_namespace" { print $2 "/" $3; found = 1 }
	     END { exit !found }' /proc/slabinfo 2>/dev/null || echo n/a
}

# The state of everything a leak would show in, one line.
leak_state() {
	echo "refcnt=$(refcnt) netns=[$(netns_mounts)] nsids_init=$(nsids)" \
	     "nsids_a=$(nsids "$NSA") nsids_b=$(nsids "$NSB")" \
	     "kploop_init=[$(kploop_names)] kploop_a=[$(kploop_names "$NSA")]" \
	     "kploop_b=[$(kploop_names "$NSB")]"
}

test_cycles_no_leak() {
	local i base now mem0 mem1 slab0 slab1 t0 end npairs=100 nnetns=20

	fresh
	# With kmemleak (the debug kernel), its scan after the run finds any
	# object leaked, once is enough: a few cycles of each kind do, and
	# spare minutes of netns teardown under KASAN.  Without it, the
	# memory bounds below need the full count to see a leak.
	if [ -e /sys/kernel/debug/kmemleak ]; then
		npairs=20
		nnetns=5
	fi

	# Warm up (nsids of A and B for each other, slab caches), then take
	# the baseline.
	"$KPCTL" -n "$NSA" loop add s0 peer s1 netns "$NSB"
	"$KPCTL" -n "$NSA" loop del s0
	sync; echo 3 >/proc/sys/vm/drop_caches
	base=$(leak_state)
	mem0=$(meminfo MemAvailable)
	slab0=$(meminfo SUnreclaim)
	kp_log "baseline: $base MemAvailable=${mem0}kB SUnreclaim=${slab0}kB" \
	       "net_namespace slab objs $(netns_slab)"
	t0=$SECONDS

	for ((i = 0; i < npairs; i++)); do
		"$KPCTL" -n "$NSA" loop add s0 peer s1 netns "$NSB"
		if ((i % 2)); then
			"$KPCTL" -n "$NSA" loop del s0
		else
			ip -n "$NSB" link del s1
		fi
	done
	expect_names "$NSA" ""
	expect_names "$NSB" ""

	for ((i = 0; i < nnetns; i++)); do
		ip netns add "$NSTMP"
		"$KPCTL" -n "$NSTMP" loop add t0 peer t1
		"$KPCTL" -n "$NSTMP" loop add t2
		"$KPCTL" -n "$NSTMP" loop add t3 peer a3 netns "$NSA"
		ip netns del "$NSTMP"
		# one netns at a time: its cleanup deletes a3 in A
		wait_names 10 "$NSA" ""
	done
	kp_log "$npairs pair and $nnetns netns cycles took $((SECONDS - t0)) s"

	# netns teardown runs in a workqueue: give it 30 s to catch up.
	end=$((SECONDS + 30))
	while now=$(leak_state) && [ "$now" != "$base" ] &&
	      [ "$SECONDS" -lt "$end" ]; do
		sleep 0.2
	done
	sync; echo 3 >/proc/sys/vm/drop_caches
	mem1=$(meminfo MemAvailable)
	slab1=$(meminfo SUnreclaim)
	kp_log "after:    $now MemAvailable=${mem1}kB SUnreclaim=${slab1}kB" \
	       "net_namespace slab objs $(netns_slab)"
	kp_log "MemAvailable -$((mem0 - mem1)) kB, SUnreclaim +$((slab1 - slab0)) kB"
	kp_eq "state after the cycles" "$base" "$now"
	# The exact checks above catch leaked netns references (the nsid of a
	# netns that never dies stays in A's list) and devices; a leaked
	# device reference also makes vm-run fail ("unregister_netdevice:
	# waiting for ...").  Memory is a coarse net for the rest, with
	# bounds from measurements in the 2-CPU, 1 GB test VM: 100 pairs held
	# cost +7.4 MB of SUnreclaim (74 kB each) and 20 netns with their
	# devices +7.9 MB (5.5 MB of which comes back when they are freed);
	# without a leak this test grows SUnreclaim by ~0.4 MB (slab pages
	# kept partly used).  2 MB catches a leak of a quarter of the pairs
	# or of 7 of the netns.  MemAvailable is noisier (per-CPU chunks and
	# vmalloc areas are given back lazily: -4..-8 MB seen without a
	# leak); 32 MB only catches gross leaks (pages per frame or device).
	#
	# On the debug kernel these numbers mean nothing (KASAN's quarantine
	# keeps freed objects in the slab, kmemleak and the stack depot
	# allocate their own records; +2.8 MB measured without a leak), and
	# kmemleak does the job exactly: scripts/vm-run scans after the run
	# and fails it on any object leaked since boot.
	if [ -e /sys/kernel/debug/kmemleak ]; then
		kp_log "kmemleak is on: memory is judged by its scan after the run"
		return 0
	fi
	kp_range "SUnreclaim growth (kB)" -1000000 2048 $((slab1 - slab0))
	kp_range "MemAvailable loss (kB)" -1000000 32768 $((mem0 - mem1))
}

# rmmod with devices present deletes them all (loop mode, a pair across
# netns, devices in the initial netns), then the module is loaded again.
test_rmmod() {
	local out rc

	fresh

	ip link add kpl0 type kploop
	ip -n "$NSA" link add kpl1 type kploop
	"$KPCTL" -n "$NSA" loop add a0 peer b0 netns "$NSB"
	"$KPCTL" loop add r0 peer r1
	expect_names "" "kpl0 r0 r1"
	expect_names "$NSA" "a0 kpl1"
	expect_names "$NSB" b0

	rmmod kp_loop
	! kp_module_loaded || kp_fail "/sys/module/kp_loop still there after rmmod"
	# every device is gone (no kind filter: the kind is gone too)
	for dev in kpl0 r0 r1; do
		! ip link show dev "$dev" >/dev/null 2>&1 ||
			kp_fail "$dev survived rmmod"
	done
	for dev in kpl1 a0; do
		! exists "$NSA" "$dev" || kp_fail "$dev (netns $NSA) survived rmmod"
	done
	! exists "$NSB" b0 || kp_fail "b0 (netns $NSB) survived rmmod"
	# so is the genetlink family
	out=$("$KPCTL" loop stats 2>&1) && rc=0 || rc=$?
	kp_log "without the module: exit $rc: $out"
	kp_eq "kpctl loop stats without the module: exit status" 2 "$rc"
	kp_eq "kpctl loop stats without the module" \
		'Error: generic netlink family "kp_loop" not found, is its module loaded? (No such file or directory)' \
		"$out"

	insmod "$KP_LOOP_KO"
	kp_eq "refcnt after insmod" 0 "$(refcnt)"
	ip -n "$NSA" link add kp0 type kploop
	kp_eq "mode after re-insmod" loop "$(show "$NSA" kp0 mode)"
	ip -n "$NSA" link del kp0
}

kp_setup
kp_netns_add "$NSA" "$NSB"
KP_NETNS+=("$NSTMP")	# for kp_cleanup, should a test fail half-way
kp_plan 7
kp_run "ip link add/del type kploop (loop mode)" test_ip_loop
kp_run "kpctl loop add/del (loop mode)" test_kpctl_loop
kp_run "pair in one netns: deleting either end deletes both" \
	test_pair_same_netns
kp_run "pair across netns: deleting either end deletes both" \
	test_pair_across_netns
kp_run "deleting the netns of either end deletes both ends" test_netns_del
kp_run "pair add/del across netns, netns cycles (100 + 20; 20 + 5 under kmemleak): no leak" \
	test_cycles_no_leak
kp_run "rmmod with devices in 3 netns removes them; insmod again" test_rmmod
kp_exit
