#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the kp_nic kselftests, on top of kp_loop's lib.sh (kp_plan,
# kp_run, kp_exit, kp_fail, kp_skip, kp_eq, kp_range, kp_kv, kp_log,
# kp_wait_until, kp_wait_file, kp_netns_add, kp_udp_recv_bg/wait, $KP_UDP).
#
# The VM (scripts/vm-run --nics igb,igb,igb,e1000e, as scripts/test-vm
# boots every lane) has four NICs on one QEMU hub, one L2 segment:
#
#   KN_A, KN_B   82576 (8086:10c9)   kp_nic
#   KN_C         82576               the kernel's igb (interop peer)
#   KN_D         82574L (8086:10d3)  the kernel's e1000e (cross-model peer)
#
# (PCI addresses, in bus order.)  Each device is pinned to its driver with
# driver_override before any driver loads, so igb never takes A or B.
# Every frame on the hub reaches every NIC: exact-counter tests use
# static neighbours and netns with IPv6 off (kp_netns_add), so the only
# frames are the test's own.
#
#   kn_setup               root, devices found and pinned, kp_nic loaded,
#                          igb and e1000e loaded, cleanup trap
#   kn_load [PARAM=V...]   insmod kp_nic (binds A and B)
#   kn_unload              rmmod kp_nic
#   kn_ifname PCI          the net_device of PCI in this netns (waits up
#                          to 10 s)
#   kn_link NS_A PCI_A ADDR_A NS_B PCI_B ADDR_B [MTU]
#                          move both into their netns, /24 addresses,
#                          static neighbours, up, wait for carrier; sets
#                          KN_DEV_A / KN_DEV_B
#   kn_carrier NS DEV      0 or 1
#   kn_ethtool_stat NS DEV NAME   one ethtool -S counter
#   kn_selftest NS DEV MODE   ethtool -t: "PASS 0 0 0 0 0" when all pass
#   kn_qsum NS DEV DIR NAME   a per-queue ethtool -S counter, all queues
#   kn_queues              queue pairs at probe (one per CPU, up to 8)
#   kn_udp_exact NS_A DEV_A NS_B DEV_B ADDR_B COUNT SIZE
#                          COUNT datagrams A->B: every one arrives intact,
#                          and both drivers count exactly COUNT frames
#   kn_tcp_sha NS_A NS_B ADDR_B MB [PACE [STOP]]
#                          MB of random data over TCP A->B, sha256 equal
#                          at the receiver (a quarter, at least 1, with
#                          kmemleak: the debug kernel; "NK" is N KiB, as
#                          is); with PACE, the
#                          sender gets 1 MB every PACE seconds, up to MB
#                          or until the file STOP exists (a transfer that
#                          lasts while a test changes the device under it)
#   kn_flood_start / kn_flood_stop   UDP both ways between $NSA/$IPA and
#                          $NSB/$IPB (the script's), in the background

KN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ ! -f "$KN_DIR/../kp_loop/lib.sh" ]; then
	echo "# FAIL: $KN_DIR/../kp_loop/lib.sh not found: the kp_nic tests use kp_loop's lib.sh (install both collections)"
	exit 1
fi
# shellcheck source=../kp_loop/lib.sh
source "$KN_DIR/../kp_loop/lib.sh"

KN_KO=${KN_KO:-$KP_KMOD_DIR/kp_nic.ko}
KN_A='' KN_B='' KN_C='' KN_D=''
# set by kn_link, read by the scripts
# shellcheck disable=SC2034
KN_DEV_A='' KN_DEV_B=''
KN_PORT=9400

kn_loaded() { [ -d /sys/module/kp_nic ]; }

# shellcheck disable=SC2120 # kpnic_irqmode.sh: kn_load int_mode=N
kn_load() {
	[ -f "$KN_KO" ] || kp_skip "kp_nic.ko not built ($KN_KO)"
	insmod "$KN_KO" "$@"
}

kn_unload() {
	! kn_loaded || rmmod kp_nic
}

# kn_pci_ids VENDOR DEVICE: PCI functions with those IDs, in bus order.
kn_pci_ids() {
	local d

	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ] &&
			basename "$d"
	done
	return 0
}

# kn_pin PCI DRIVER: only DRIVER may bind PCI; unbind it from another one.
kn_pin() {
	local dev=/sys/bus/pci/devices/$1 cur

	echo "$2" >"$dev/driver_override"
	if [ -e "$dev/driver" ]; then
		cur=$(basename "$(readlink "$dev/driver")")
		[ "$cur" = "$2" ] || echo "$1" >"$dev/driver/unbind"
	fi
}

# kn_bind PCI DRIVER: bind PCI to DRIVER (pinned), wait for its netdev.
kn_bind() {
	kn_pin "$1" "$2"
	[ -e "/sys/bus/pci/devices/$1/driver" ] ||
		echo "$1" >"/sys/bus/pci/drivers/$2/bind"
	kn_ifname "$1" >/dev/null
}

kn_ifname() {
	local i n

	# (empty while the device is in another netns, e.g. one being
	# deleted, which gives it back to this one)
	for ((i = 0; i < 100; i++)); do
		for n in "/sys/bus/pci/devices/$1/net/"*; do
			if [ -e "$n" ]; then
				basename "$n"
				return 0
			fi
		done
		sleep 0.1
	done
	kp_fail "no net_device for $1 in this netns after 10 s"
}

kn_cleanup() {
	local ns

	for ns in "${KP_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

kn_setup() {
	local ids

	[ "$(id -u)" -eq 0 ] || kp_skip "must be run as root"
	command -v jq >/dev/null || kp_skip "jq not installed"
	command -v ethtool >/dev/null || kp_skip "ethtool not installed"
	[ -x "$KP_UDP" ] || kp_skip "kp_udp not built ($KP_UDP)"
	read -r -a ids <<<"$(kn_pci_ids 0x8086 0x10c9 | tr '\n' ' ')"
	[ "${#ids[@]}" -ge 3 ] ||
		kp_skip "needs 3 x 82576 (scripts/vm-run --nics igb,igb,igb,e1000e), found ${#ids[@]}"
	KN_A=${ids[0]} KN_B=${ids[1]} KN_C=${ids[2]}
	KN_D=$(kn_pci_ids 0x8086 0x10d3 | head -n1)
	kn_pin "$KN_A" kp_nic
	kn_pin "$KN_B" kp_nic
	kn_pin "$KN_C" igb
	[ -z "$KN_D" ] || kn_pin "$KN_D" e1000e
	# shellcheck disable=SC2119
	kn_loaded || kn_load
	modprobe igb
	[ -z "$KN_D" ] || modprobe e1000e
	trap kn_cleanup EXIT
}

kn_carrier() {
	ip netns exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null || echo 0
}

kn_has_carrier() { [ "$(kn_carrier "$1" "$2")" = 1 ]; }

kn_link() {
	local nsa=$1 pcia=$2 addra=$3 nsb=$4 pcib=$5 addrb=$6 mtu=${7:-1500}
	local deva devb maca macb

	deva=$(kn_ifname "$pcia")
	devb=$(kn_ifname "$pcib")
	ip link set "$deva" netns "$nsa"
	ip link set "$devb" netns "$nsb"
	ip -n "$nsa" addr add "$addra/24" dev "$deva"
	ip -n "$nsb" addr add "$addrb/24" dev "$devb"
	ip -n "$nsa" link set "$deva" mtu "$mtu" up
	ip -n "$nsb" link set "$devb" mtu "$mtu" up
	maca=$(ip -n "$nsa" -j link show "$deva" | jq -r '.[0].address')
	macb=$(ip -n "$nsb" -j link show "$devb" | jq -r '.[0].address')
	ip -n "$nsa" neigh replace "$addrb" lladdr "$macb" dev "$deva" nud permanent
	ip -n "$nsb" neigh replace "$addra" lladdr "$maca" dev "$devb" nud permanent
	kp_wait_until 20 kn_has_carrier "$nsa" "$deva"
	kp_wait_until 20 kn_has_carrier "$nsb" "$devb"
	# shellcheck disable=SC2034 # read by the scripts
	KN_DEV_A=$deva
	# shellcheck disable=SC2034
	KN_DEV_B=$devb
}

# kn_qsum NS DEV DIR NAME: ethtool -S DIR_queue_N_NAME summed over the
# queues (tx, rx; packets, doorbells, drops, ...): which queue a frame
# takes depends on the sender's CPU (XPS) and the RSS hash.
kn_qsum() {
	ip netns exec "$1" ethtool -S "$2" |
		awk -v re="^$3_queue_[0-9]+_$4:\$" '$1 ~ re { s += $2; f = 1 }
			END { print s + 0; exit !f }' ||
		kp_fail "no ethtool -S $3_queue_N_$4 counter on $2"
}

# kn_queues: the queue pairs kp_nic starts with: one per CPU, up to 8.
kn_queues() {
	local n

	n=$(nproc)
	echo $((n < 8 ? n : 8))
}

# kn_selftest NS DEV MODE: ethtool -t DEV MODE (online, offline) as
# "PASS r0 r1 r2 r3 r4" (or FAIL ...): the five results in igb's order
# (register, NVM, interrupt, loopback, link), 0 each for a pass.
kn_selftest() {
	ip netns exec "$1" ethtool -t "$2" "$3" 2>&1 |
		awk '/^The test result is/ { r = $NF }
		     /\(offline\)|\(on\/offline\)/ { v = v " " $NF }
		     END { print r v }'
}

kn_ethtool_stat() {
	ip netns exec "$1" ethtool -S "$2" |
		awk -v k="$3" '$1 == k ":" { print $2; f = 1 } END { exit !f }' ||
		kp_fail "no ethtool -S counter '$3' on $2"
}

# kn_link_stat NS DEV FIELD: rx_packets, tx_bytes, ... (ip -s).
kn_link_stat() {
	kp_link_stat "$2" "$3" "$1"
}

# kn_stat_ge NS DEV FIELD MIN: the counter has reached MIN.
kn_stat_ge() {
	[ "$(kn_link_stat "$1" "$2" "$3")" -ge "$4" ]
}

# kn_quiesce NS DEV: wait (up to 10 s) until DEV's tx_packets stops moving
# for 0.5 s: frames still queued from an earlier step are out.
kn_quiesce() {
	local i prev cur

	prev=$(kn_link_stat "$1" "$2" tx_packets)
	for ((i = 0; i < 20; i++)); do
		sleep 0.5
		cur=$(kn_link_stat "$1" "$2" tx_packets)
		[ "$cur" != "$prev" ] || return 0
		prev=$cur
	done
	kp_fail "$2 still transmitting after 10 s"
}

kn_udp_exact() {
	local nsa=$1 deva=$2 nsb=$3 devb=$4 addrb=$5 count=$6 size=$7
	local out txa rxb txa2 rxb2 sent

	out=$(mktemp /tmp/kn_udp.XXXXXX)
	kn_quiesce "$nsa" "$deva"
	txa=$(kn_link_stat "$nsa" "$deva" tx_packets)
	rxb=$(kn_link_stat "$nsb" "$devb" rx_packets)
	kp_udp_recv_bg "$nsb" "$out" -c "$count" -t 5000 -w 30000 "$KN_PORT"
	sent=$(ip netns exec "$nsa" "$KP_UDP" send -c "$count" -s "$size" \
	       -g 200 "$addrb" "$KN_PORT")
	kp_udp_recv_wait "$KP_BG_PID" "$out"
	rm -f "$out" "$out.ready"
	kp_log "$deva -> $devb, $count x $size B: $sent; $KP_RES"
	kp_eq "sent" "$count" "$(kp_kv sent "$sent")"
	kp_eq "received" "$count" "$(kp_kv received "$KP_RES")"
	kp_eq "unique" "$count" "$(kp_kv unique "$KP_RES")"
	kp_eq "bad" 0 "$(kp_kv bad "$KP_RES")"
	# TX completions are reaped in NAPI: give the last ones a moment
	kp_wait_until 5 kn_stat_ge "$nsa" "$deva" tx_packets $((txa + count))
	txa2=$(kn_link_stat "$nsa" "$deva" tx_packets)
	rxb2=$(kn_link_stat "$nsb" "$devb" rx_packets)
	kp_eq "$deva tx_packets delta" "$count" $((txa2 - txa))
	kp_eq "$devb rx_packets delta" "$count" $((rxb2 - rxb))
}

# kn_flood_start: senders both ways between $NSA/$IPA and $NSB/$IPB
# until kn_flood_stop (errors ignored: the device may go away under
# them).  Called inside a case (a subshell): it also stops them when the
# case exits.
KN_FLOOD_PIDS=()
kn_flood_start() {
	ip netns exec "$NSA" "$KP_UDP" send -e -c 0 -s 500 -g 50 "$IPB" \
		"$KN_PORT" >/dev/null 2>&1 &
	KN_FLOOD_PIDS+=($!)
	ip netns exec "$NSB" "$KP_UDP" send -e -c 0 -s 500 -g 50 "$IPA" \
		"$KN_PORT" >/dev/null 2>&1 &
	KN_FLOOD_PIDS+=($!)
	trap kn_flood_stop EXIT
	sleep 1
}

kn_flood_stop() {
	kill "${KN_FLOOD_PIDS[@]}" 2>/dev/null || :
	wait "${KN_FLOOD_PIDS[@]}" 2>/dev/null || :
	KN_FLOOD_PIDS=()
}

# kn_mb_paced OUT MB PACE STOP: up to MB random MBs, one every PACE
# seconds, to stdout and appended to OUT; stops early once STOP exists.
kn_mb_paced() {
	local i

	for ((i = 0; i < $2; i++)); do
		[ -z "$4" ] || [ ! -e "$4" ] || break
		head -c 1M /dev/urandom | tee -a "$1"
		sleep "$3"
	done
}

kn_tcp_sha() {
	local nsa=$1 nsb=$2 addrb=$3 mb=$4 pace=${5:-} stop=${6:-}
	local in out rc=0 sent bytes

	case "$mb" in
	*K) bytes=$((${mb%K} << 10)) ;;
	*)
		if [ -z "$pace" ] && [ -e /sys/kernel/debug/kmemleak ]; then
			mb=$((mb / 4 ? mb / 4 : 1))
		fi
		bytes=$((mb << 20))
		;;
	esac
	in=$(mktemp /tmp/kn_tcp_in.XXXXXX)
	out=$(mktemp /tmp/kn_tcp_out.XXXXXX)
	ip netns exec "$nsb" "$KP_UDP" tcp-recv -t 30000 -r "$out.ready" \
		"$KN_PORT" >"$out" 2>"$out.err" &
	local pid=$!
	kp_wait_file "$out.ready"
	if [ -n "$pace" ]; then
		sent=$(kn_mb_paced "$in" "$mb" "$pace" "$stop" |
		       ip netns exec "$nsa" timeout 300 "$KP_UDP" tcp-send \
			       "$addrb" "$KN_PORT") || rc=$?
	else
		head -c "$bytes" /dev/urandom >"$in"
		sent=$(ip netns exec "$nsa" timeout 300 "$KP_UDP" tcp-send \
		       "$addrb" "$KN_PORT" <"$in") || rc=$?
	fi
	wait "$pid" || rc=$?
	kp_log "tcp $(stat -c %s "$in") bytes -> $addrb: $sent; $(cat "$out.err")"
	kp_eq "tcp exit status" 0 "$rc"
	kp_eq "sha256 of the $(stat -c %s "$in") bytes sent over TCP" \
		"$(sha256sum <"$in" | cut -d' ' -f1)" \
		"$(sha256sum <"$out" | cut -d' ' -f1)"
	rm -f "$in" "$out" "$out.ready" "$out.err"
}
