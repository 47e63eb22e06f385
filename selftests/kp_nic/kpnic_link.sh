#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kp_nic and QEMU's own monitor (scripts/vm-run's channel, see
# ../lib/qemu_monitor.sh): link flaps with `set_link` seen by the carrier
# within a second, traffic resuming after each; then a hot unplug with
# `device_del` while traffic runs both ways.  The unplug removes device B
# for the rest of the boot: this script runs last.

source "$(dirname "$0")/lib.sh"
# installed beside this script; in the source tree, in ../lib
KN_QMON=$KN_DIR/qemu_monitor.sh
[ -f "$KN_QMON" ] || KN_QMON=$KN_DIR/../lib/qemu_monitor.sh
# shellcheck source=../lib/qemu_monitor.sh
source "$KN_QMON"

NSA=kka-$$
NSB=kkb-$$
IPA=10.94.0.1
IPB=10.94.0.2

# kn_time_until SECS CMD...: milliseconds until CMD succeeds (polling
# every 20 ms), or fail after SECS.
kn_time_until() {
	local secs=$1 t0 now
	shift

	t0=${EPOCHREALTIME/./}
	while ! "$@"; do
		now=${EPOCHREALTIME/./}
		if (((now - t0) / 1000000 >= secs)); then
			kp_fail "not within $secs s: $*"
			return 1
		fi
		sleep 0.02
	done
	now=${EPOCHREALTIME/./}
	echo $(((now - t0) / 1000))
}

# kn_klog_ms MARK0 MARK1 PATTERN: in the kernel log's own clock, the first
# line matching PATTERN (an ERE) after the last MARK0 line; prints
# "AFTER BEFORE": its milliseconds after the last MARK1 line (0 if it came
# first) and after MARK0.  With MARK0 written just before a monitor call
# and MARK1 just after it, QEMU acted between the two: the latency is at
# least AFTER and at most BEFORE.  (Polling from a process measures the
# process: on the debug kernel one poll takes longer than the event.)
kn_klog_ms() {
	dmesg | awk -v m0="$1" -v m1="$2" -v pat="$3" '
		{ t = substr($0, 2, index($0, "]") - 2) + 0 }
		index($0, m0) { t0 = t; t1 = ""; got = 0; next }
		index($0, m1) { t1 = t; next }
		t0 != "" && !got && $0 ~ pat { te = t; got = 1 }
		END {
			if (!got) exit 1
			a = (t1 != "" && te > t1) ? te - t1 : 0
			printf "%d %d\n", a * 1000, (te - t0) * 1000
		}'
}

# kn_flap_ms STATE PATTERN: set_link kpnet1 STATE between two kernel log
# marks, wait for B's carrier to follow, print kn_klog_ms's "AFTER BEFORE".
kn_flap_ms() {
	local want=1

	[ "$1" = on ] || want=0
	kp_kmsg "kpnic_link: set_link $1: begin"
	kp_qemu_monitor set_link kpnet1 "$1" >/dev/null
	kp_kmsg "kpnic_link: set_link $1: end"
	kp_wait_until 10 kn_carrier_is "$want"
	kn_klog_ms "set_link $1: begin" "set_link $1: end" "$2"
}

kn_carrier_is() { [ "$(kn_carrier "$NSB" "$KN_DEV_B")" = "$1" ]; }

kn_no_carrier() { ! kn_has_carrier "$@"; }

test_flaps() {
	local i down up worst=0 dev="kp_nic $KN_B $KN_DEV_B"

	for ((i = 0; i < 3; i++)); do
		read -r -a down <<<"$(kn_flap_ms off "$dev: NIC Link is Down")"
		read -r -a up <<<"$(kn_flap_ms on "$dev: NIC Link is Up")"
		kp_log "flap $i: carrier off ${down[0]}..${down[1]} ms, on ${up[0]}..${up[1]} ms after set_link (kernel clock; QEMU acted inside the call)"
		((down[0] > worst)) && worst=${down[0]}
		((up[0] > worst)) && worst=${up[0]}
		kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 200 100
	done
	# the model raises LSC at once when the link goes down and 500 ms
	# (virtual) after autonegotiation restarts when it comes back; the
	# driver's part is the LSC interrupt and the watchdog work
	kp_range "slowest carrier change after set_link returned (ms)" 0 1000 "$worst"
	kp_eq "carrier of A through B's flaps" 1 "$(kn_carrier "$NSA" "$KN_DEV_A")"
	kp_range "link_change_irqs on B" 6 100 \
		"$(kn_ethtool_stat "$NSB" "$KN_DEV_B" link_change_irqs)"
}

test_flap_traffic() {
	kn_flood_start
	kp_qemu_monitor set_link kpnet1 off >/dev/null
	sleep 1
	kp_qemu_monitor set_link kpnet1 on >/dev/null
	kn_time_until 5 kn_has_carrier "$NSB" "$KN_DEV_B" >/dev/null
	sleep 1
	kn_flood_stop
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 500 100
	kn_udp_exact "$NSB" "$KN_DEV_B" "$NSA" "$KN_DEV_A" "$IPA" 500 100
}

kn_pci_gone() { [ ! -e "/sys/bus/pci/devices/$1" ]; }

test_unplug() {
	local ms

	kn_flood_start
	kp_qemu_monitor device_del kpnic1 >/dev/null
	# pciehp: attention button, 5 s, then the driver's remove and the
	# slot powered off
	ms=$(kn_time_until 60 kn_pci_gone "$KN_B")
	kn_flood_stop
	kp_log "device_del: $KN_B gone after $ms ms"
	if ip -n "$NSB" link show dev "$KN_DEV_B" >/dev/null 2>&1; then
		kp_fail "$KN_DEV_B still exists in $NSB"
	fi
	# A lives on
	kn_has_carrier "$NSA" "$KN_DEV_A" || kp_fail "A lost its carrier"
	ip netns exec "$NSA" ping -q -c 2 -W 1 "$IPB" >/dev/null 2>&1 &&
		kp_fail "B still answers after its removal"
	return 0
}

kn_setup
kp_qemu_monitor_available ||
	kp_skip "no QEMU monitor channel (scripts/vm-run --nics)"
kp_netns_add "$NSA" "$NSB"
kn_link "$NSA" "$KN_A" "$IPA" "$NSB" "$KN_B" "$IPB"

kp_plan 3
kp_run "set_link off/on x3: carrier within 1 s, exact traffic after each" test_flaps
kp_run "set_link off/on under traffic both ways, exact traffic after" test_flap_traffic
kp_run "device_del under traffic both ways: B removed, A unharmed" test_unplug
kp_exit
