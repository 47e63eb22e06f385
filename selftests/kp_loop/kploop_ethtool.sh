#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ethtool: driver info, fixed features (loopback; netns-local off) per mode,
# software timestamping (advertised, and a TX timestamp really delivered),
# ethtool -S totals and per-CPU counters against kpctl and exact frame
# counts, and the core's tx_dropped = tx_carrier_drops + fault_drops.

source "$(dirname "$0")/lib.sh"

NSA=kpeth-a-$$
NSB=kpeth-b-$$
ADDR_A=10.79.0.1
ADDR_B=10.79.0.2
COUNTERS=(tx_packets tx_bytes rx_packets rx_bytes rx_backlog_drops
	  rx_other_drops tx_carrier_drops fault_drops fault_corrupts fault_dups
	  tx_runt_drops)

# feature NS DEV NAME: "on [fixed]", ... as ethtool -k prints it.
feature() {
	ip netns exec "$1" ethtool -k "$2" | sed -n "s/^$3: //p"
}

# sval SNAPSHOT NAME: one value of an `ethtool -S` output read earlier (one
# read gives every counter at once: an ethtool run costs a second on the
# debug kernel).
sval() {
	awk -v k="$2:" '$1 == k { print $2; found = 1 } END { exit !found }' \
		<<<"$1" || kp_fail "no $2 in ethtool -S"
}

# The possible CPUs, as ethtool -S lists them (cpu<N>_...).
possible_cpus() {
	local part lo hi cpu

	for part in $(tr ',' ' ' </sys/devices/system/cpu/possible); do
		lo=${part%-*}
		hi=${part#*-}
		for ((cpu = lo; cpu <= hi; cpu++)); do
			echo "$cpu"
		done
	done
}

test_drvinfo() {
	local ns dev info

	for ns_dev in "$NSA kl0" "$NSA a0" "$NSB b0"; do
		read -r ns dev <<<"$ns_dev"
		info=$(ip netns exec "$ns" ethtool -i "$dev")
		kp_eq "$dev driver" kp_loop "$(sed -n 's/^driver: //p' <<<"$info")"
		kp_eq "$dev version" "$(uname -r)" "$(sed -n 's/^version: //p' <<<"$info")"
		kp_eq "$dev supports-statistics" yes \
			"$(sed -n 's/^supports-statistics: //p' <<<"$info")"
		kp_eq "$dev bus-info" "" "$(sed -n 's/^bus-info: *//p' <<<"$info")"
	done
}

test_features() {
	local out rc=0

	kp_eq "kl0 (loop) loopback" "on [fixed]" "$(feature "$NSA" kl0 loopback)"
	kp_eq "a0 (pair) loopback" "off [fixed]" "$(feature "$NSA" a0 loopback)"
	kp_eq "b0 (pair) loopback" "off [fixed]" "$(feature "$NSB" b0 loopback)"
	# Up to 6.11 netns-local is a fixed feature (6.12 made it a bit of
	# struct net_device that ethtool no longer lists): off, the devices
	# move between netns (kploop_netns.sh).
	if ip netns exec "$NSA" ethtool -k kl0 | grep -q '^netns-local:'; then
		kp_eq "kl0 (loop) netns-local" "off [fixed]" \
			"$(feature "$NSA" kl0 netns-local)"
		kp_eq "a0 (pair) netns-local" "off [fixed]" \
			"$(feature "$NSA" a0 netns-local)"
	else
		kp_log "no netns-local feature on $(uname -r) (a device bit since 6.12)"
	fi

	# fixed means fixed
	out=$(ip netns exec "$NSA" ethtool -K kl0 loopback off 2>&1) || rc=$?
	kp_log "ethtool -K kl0 loopback off: exit $rc: $out"
	kp_eq "kl0 loopback after ethtool -K" "on [fixed]" \
		"$(feature "$NSA" kl0 loopback)"
}

test_timestamping() {
	local dev ns out caps

	for ns_dev in "$NSA kl0" "$NSA a0"; do
		read -r ns dev <<<"$ns_dev"
		out=$(ip netns exec "$ns" ethtool -T "$dev")
		kp_log "$out"
		caps=$(sed -n '/^Capabilities:/,/^[^\t]/s/^\t//p' <<<"$out" | tr '\n' ' ')
		kp_eq "$dev timestamping capabilities" \
			"software-transmit software-receive software-system-clock " \
			"$caps"
		kp_eq "$dev PHC" none "$(sed -n 's/^PTP Hardware Clock: //p' <<<"$out")"
	done

	# skb_tx_timestamp() is called: a UDP socket asking for software TX
	# timestamps gets one on its error queue for a datagram sent over a0.
	ip netns exec "$NSA" python3 - "$ADDR_B" <<'EOF'
import select, socket, struct, sys
SO_TIMESTAMPING = 37
SOF_TX_SOFTWARE, SOF_SOFTWARE, SOF_OPT_TSONLY = 1 << 1, 1 << 4, 1 << 11
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPING,
             SOF_TX_SOFTWARE | SOF_SOFTWARE | SOF_OPT_TSONLY)
s.sendto(b"x" * 32, (sys.argv[1], 9))
p = select.poll()
p.register(s, select.POLLERR)
if not p.poll(2000):
    sys.exit("no TX timestamp on the error queue within 2 s")
_, anc, _, _ = s.recvmsg(64, 512, socket.MSG_ERRQUEUE)
for level, typ, data in anc:
    if level == socket.SOL_SOCKET and typ == SO_TIMESTAMPING:
        sec, nsec = struct.unpack("qq", data[:16])
        print(f"# software TX timestamp {sec}.{nsec:09d}")
        sys.exit(0 if sec > 0 else "zero software timestamp")
sys.exit(f"no SO_TIMESTAMPING control message: {anc}")
EOF
}

# ping COUNT times from NSA to ADDR_B on CPU; exactly COUNT replies.
ping_on_cpu() {
	local out

	out=$(ip netns exec "$NSA" taskset -c "$1" \
	      ping -q -c "$2" -i 0.01 -W 2 "$ADDR_B") ||
		kp_fail "ping on cpu $1 failed: $out"
	# ping exits 0 with a single reply: the summary, without its time
	kp_eq "ping on cpu $1" "$2 packets transmitted, $2 received, 0% packet loss" \
		"$(sed -n 's/^\([0-9]* packets transmitted, .*\), time [0-9]*ms$/\1/p' <<<"$out")"
}

# cpu_online CPU
cpu_online() {
	[ ! -e "/sys/devices/system/cpu/cpu$1/online" ] ||
		[ "$(cat "/sys/devices/system/cpu/cpu$1/online")" = 1 ]
}

test_stats() {
	local cpus=() online=() cpu c sum total kp names want i snap
	local n=10 frame=98	# ICMP echo, 56 bytes of data: 14 + 20 + 8 + 56
	declare -A before

	mapfile -t cpus < <(possible_cpus)
	for cpu in "${cpus[@]}"; do
		cpu_online "$cpu" && online+=("$cpu")
	done
	kp_log "possible CPUs: ${cpus[*]}, online: ${online[*]}"

	# the names: totals, then each possible CPU
	names=$(ip netns exec "$NSA" ethtool -S a0 | awk 'NR > 1 { print $1 }' |
		tr -d ':' | tr '\n' ' ')
	want="${COUNTERS[*]} "
	for cpu in "${cpus[@]}"; do
		for c in "${COUNTERS[@]}"; do
			want+="cpu${cpu}_$c "
		done
	done
	kp_eq "ethtool -S names" "$want" "$names"

	snap=$(ip netns exec "$NSA" ethtool -S a0)
	for c in "${COUNTERS[@]}"; do
		before[$c]=$(sval "$snap" "$c")
		for cpu in "${online[@]}"; do
			before[cpu${cpu}_$c]=$(sval "$snap" "cpu${cpu}_$c")
		done
	done

	# n pings from each online CPU: a0 transmits the requests on it, and
	# b0's replies (sent from the softirq that received the request, on
	# the same CPU) are counted on a0 by that CPU too.
	for cpu in "${online[@]}"; do
		ping_on_cpu "$cpu" "$n"
	done

	# totals = sum over CPUs = kpctl loop stats
	kp=$("$KPCTL" -n "$NSA" -j loop stats a0)
	snap=$(ip netns exec "$NSA" ethtool -S a0)
	for c in "${COUNTERS[@]}"; do
		total=$(sval "$snap" "$c")
		sum=0
		for cpu in "${cpus[@]}"; do
			sum=$((sum + $(sval "$snap" "cpu${cpu}_$c")))
		done
		kp_eq "$c: sum of cpu*_$c" "$total" "$sum"
		kp_eq "$c: kpctl loop stats" "$total" \
			"$(jq -r ".[0].stats.$c" <<<"$kp")"
	done

	# exact counts, in total and per CPU
	i=${#online[@]}
	for c in tx_packets rx_packets; do
		kp_eq "$c delta" $((i * n)) \
			"$(($(sval "$snap" "$c") - ${before[$c]}))"
	done
	for c in tx_bytes rx_bytes; do
		kp_eq "$c delta" $((i * n * frame)) \
			"$(($(sval "$snap" "$c") - ${before[$c]}))"
	done
	for cpu in "${online[@]}"; do
		for c in "cpu${cpu}_tx_packets" "cpu${cpu}_rx_packets"; do
			kp_eq "$c delta" "$n" \
				"$(($(sval "$snap" "$c") - ${before[$c]}))"
		done
	done
	for c in rx_backlog_drops rx_other_drops tx_carrier_drops fault_drops \
		 fault_corrupts fault_dups; do
		kp_eq "$c" 0 "$(sval "$snap" "$c")"
	done
}

# send_frames NS DEV COUNT [TRIGGER]: COUNT Ethernet frames on an AF_PACKET
# socket bound to DEV (through the qdisc, as any sender).  With TRIGGER (a
# loop-mode device, up), DEV's carrier is first turned off inside the
# linkwatch holdoff: a linkwatch run for TRIGGER makes the next non-urgent
# event (a loop-mode device's carrier) wait up to 1 s, during which DEV
# keeps its noqueue qdisc and the frames reach ndo_start_xmit with the
# carrier off.  Prints "window=1" if DEV's operstate, which that linkwatch
# run changes before it swaps the qdisc, was still up after the last frame.
send_frames() {
	ip netns exec "$1" python3 - "$2" "$3" "${4:-}" <<'EOF'
import socket, subprocess, sys, time
dev, n, trigger = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def operstate(d):
    with open(f"/sys/class/net/{d}/operstate") as f:
        return f.read().strip()
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((dev, 0))
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes(46)
if trigger:
    subprocess.run(["ip", "link", "set", trigger, "carrier", "off"], check=True)
    deadline = time.monotonic() + 5
    while operstate(trigger) != "down":
        if time.monotonic() > deadline:
            sys.exit(f"{trigger} operstate still {operstate(trigger)}")
        time.sleep(0.001)
    subprocess.run(["ip", "link", "set", dev, "carrier", "off"], check=True)
for _ in range(n):
    s.send(frame)
if trigger:
    print(f"window={int(operstate(dev) == 'up')}")
EOF
}

test_tx_dropped() {
	local fd0 cd0 fd1 cd1 ipd1 try out

	fd0=$(kp_stat kl0 fault_drops "$NSA")
	cd0=$(kp_stat kl0 tx_carrier_drops "$NSA")

	# 7 frames dropped by fault injection
	"$KPCTL" -n "$NSA" loop set kl0 drop 1000000
	send_frames "$NSA" kl0 7
	"$KPCTL" -n "$NSA" loop set kl0 drop 0
	kp_eq "fault_drops delta" 7 $(($(kp_stat kl0 fault_drops "$NSA") - fd0))

	# 5 frames reaching the driver with the carrier off
	for ((try = 1; try <= 5; try++)); do
		cd1=$(kp_stat kl0 tx_carrier_drops "$NSA")
		out=$(send_frames "$NSA" kl0 5 kz0)
		ip -n "$NSA" link set kl0 carrier on
		ip -n "$NSA" link set kz0 carrier on
		kp_log "try $try: $out, tx_carrier_drops" \
		       "+$(($(kp_stat kl0 tx_carrier_drops "$NSA") - cd1))"
		[ "$out" != window=1 ] || break
	done
	[ "$out" = window=1 ] ||
		kp_fail "linkwatch always ran before the frames were sent"
	kp_eq "tx_carrier_drops delta (last try)" 5 \
		$(($(kp_stat kl0 tx_carrier_drops "$NSA") - cd1))

	fd1=$(kp_stat kl0 fault_drops "$NSA")
	cd1=$(kp_stat kl0 tx_carrier_drops "$NSA")
	ipd1=$(kp_link_stat kl0 tx_dropped "$NSA")
	kp_log "fault_drops $fd0 -> $fd1, tx_carrier_drops $cd0 -> $cd1," \
	       "ip -s link tx_dropped $ipd1"
	kp_eq "ip -s link tx_dropped = tx_carrier_drops + fault_drops" \
		$((cd1 + fd1)) "$ipd1"
}

kp_setup
kp_netns_add "$NSA" "$NSB"
command -v python3 >/dev/null || kp_skip "python3 not installed"
ip -n "$NSA" link add kl0 type kploop
ip -n "$NSA" link add kz0 type kploop
ip -n "$NSA" link set kl0 up
ip -n "$NSA" link set kz0 up
kp_pair "$NSA" a0 "$ADDR_A" "$NSB" b0 "$ADDR_B"
kp_plan 5
kp_run "ethtool -i: driver kp_loop" test_drvinfo
kp_run "ethtool -k: loopback on/off [fixed] by mode, netns-local off" \
	test_features
kp_run "ethtool -T: software timestamping, and a TX timestamp arrives" \
	test_timestamping
kp_run "ethtool -S: totals = sum of cpuN_*, = kpctl stats, exact counts" \
	test_stats
kp_run "ip -s link tx_dropped = tx_carrier_drops + fault_drops" \
	test_tx_dropped
kp_exit
