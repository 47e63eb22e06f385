#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test bed's QEMU monitor channel (scripts/vm-run --nics 2, run by
# scripts/check-testbed): from the guest, through selftests/lib/qemu_monitor.sh,
# flap the link of NIC 1 (set_link kpnet1 off/on) and watch the kernel igb's
# carrier follow, then hot-unplug it (device_del kpnic1) and watch its PCI
# device go, in the guest and in QEMU.  Prints the latencies; the last line
# is "qemu-monitor: N passed, N failed".

set -u
set -o pipefail

# shellcheck source-path=SCRIPTDIR source=../lib/qemu_monitor.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/qemu_monitor.sh"

pass=0
fail=0
n=0
ok() {
	n=$((n + 1))
	pass=$((pass + 1))
	echo "ok $n $*"
}
not_ok() {
	n=$((n + 1))
	fail=$((fail + 1))
	echo "not ok $n $*"
}
finish() {
	echo "qemu-monitor: $pass passed, $fail failed"
	((fail == 0 && pass == 9))
	exit
}
now_us() { echo "${EPOCHREALTIME/./}"; }
secs() { LC_ALL=C printf '%d.%03d' $(($1 / 1000000)) $(($1 % 1000000 / 1000)); }

# wait_for LIMIT_S CMD...: poll CMD every 20 ms until it succeeds; the time
# it took (µs) in $waited; fails after LIMIT_S seconds.
waited=0
wait_for() {
	local limit=$(($1 * 1000000)) t0 t
	shift
	t0=$(now_us)
	while :; do
		t=$(now_us)
		if "$@"; then
			waited=$((t - t0))
			return 0
		fi
		if ((t - t0 > limit)); then
			waited=$((t - t0))
			return 1
		fi
		sleep 0.02
	done
}

# The netdev with MAC 52:54:00:12:34:1I (vm-run's NIC I).
nic_if() {
	local mac f
	mac=$(printf '52:54:00:12:34:%02x' $((0x10 + $1)))
	for f in /sys/class/net/*/address; do
		if [ "$(cat "$f")" = "$mac" ]; then
			basename "$(dirname "$f")"
			return 0
		fi
	done
	return 1
}
# (The checks below run through wait_for.)
# shellcheck disable=SC2317
carrier_is() { [ "$(cat "/sys/class/net/$1/carrier" 2>/dev/null)" = "$2" ]; }
# shellcheck disable=SC2317
gone() { [ ! -e "$1" ]; }
# shellcheck disable=SC2317
qemu_has_no_kpnic1() {
	local out
	out=$(kp_qemu_monitor '{"execute": "qom-list", "arguments": {"path": "/machine/peripheral"}}') &&
		[[ "$out" == *'"kpnic0"'* && "$out" != *'"kpnic1"'* ]]
}

echo "TAP version 13"
echo "1..9"
echo "kpath-test: testbed: qemu_monitor.sh" >/dev/kmsg 2>/dev/null || :

# 1. The channel, and HMP output of several lines.
if ! kp_qemu_monitor_available; then
	not_ok "channel: KP_QEMU_MONITOR='${KP_QEMU_MONITOR:-}' is not a tty (vm-run --nics?)"
	finish
fi
t0=$(now_us)
if out=$(kp_qemu_monitor info network) && [[ "$out" == *kpnet0* && "$out" == *kpnet1* ]]; then
	ok "info network on $KP_QEMU_MONITOR ($(secs $(($(now_us) - t0))) s): $(echo "$out" | grep -c .) lines"
	printf '# %s\n' "${out//$'\n'/$'\n'# }"
else
	not_ok "info network: no kpnet0/kpnet1 in: $out"
	finish
fi

# 2. Errors come back as errors; QMP commands as JSON.
if err=$(kp_qemu_monitor set_link nosuchnet off 2>&1); then
	not_ok "set_link on a missing netdev succeeded: $err"
elif [[ "$err" == *"Error: "* ]] && out=$(kp_qemu_monitor '{"execute": "query-status"}') &&
	[[ "$out" == *'"running"'* ]]; then
	ok "HMP error reported ($(echo "$err" | tail -n1 | sed 's/^ *//')); QMP query-status: $out"
else
	not_ok "error or QMP reply: '$err' / '${out:-}'"
fi

# 3. The NICs, up, with carrier.
modprobe igb 2>/dev/null || [ -d /sys/bus/pci/drivers/igb ] || :
if wait_for 20 nic_if 1 >/dev/null && if0=$(nic_if 0) && if1=$(nic_if 1) &&
	ip link set "$if0" up && ip link set "$if1" up &&
	wait_for 20 carrier_is "$if0" 1 && wait_for 20 carrier_is "$if1" 1; then
	ok "igb: $if0 and $if1 up with carrier"
else
	not_ok "igb: no two interfaces with carrier ($(cd /sys/class/net && echo *))"
	finish
fi

# 4-5. set_link: the carrier follows, the other NIC's does not move.
# (Latencies from the call, which includes the channel's round trip, about
# 0.2 s under TCG, and from QEMU's reply.)
t0=$(now_us)
if kp_qemu_monitor set_link kpnet1 off && wait_for 5 carrier_is "$if1" 0 &&
	carrier_is "$if0" 1; then
	ok "set_link kpnet1 off: $if1 carrier 0 after $(secs $(($(now_us) - t0))) s ($(secs "$waited") s after the reply), $if0 keeps it"
else
	not_ok "set_link kpnet1 off: after $(secs "$waited") s, carrier $if1 $(cat "/sys/class/net/$if1/carrier"), $if0 $(cat "/sys/class/net/$if0/carrier")"
fi
t0=$(now_us)
if kp_qemu_monitor set_link kpnet1 on && wait_for 10 carrier_is "$if1" 1; then
	ok "set_link kpnet1 on: $if1 carrier 1 after $(secs $(($(now_us) - t0))) s ($(secs "$waited") s after the reply)"
else
	not_ok "set_link kpnet1 on: $if1 carrier still $(cat "/sys/class/net/$if1/carrier") after $(secs "$waited") s"
fi

# 6-8. device_del: the guest's PCI device and netdev go, then QEMU's device.
pci=$(basename "$(readlink -f "/sys/class/net/$if1/device")")
t0=$(now_us)
if out=$(kp_qemu_monitor device_del kpnic1); then
	ok "device_del kpnic1 ($pci) accepted${out:+: $out}"
else
	not_ok "device_del kpnic1 failed"
fi
if wait_for 30 gone "/sys/bus/pci/devices/$pci"; then
	ok "device_del kpnic1: $pci gone from the guest after $(secs $(($(now_us) - t0))) s"
else
	not_ok "device_del kpnic1: $pci still in /sys/bus/pci/devices after $(secs "$waited") s"
fi
if wait_for 10 qemu_has_no_kpnic1 && ! nic_if 1 >/dev/null; then
	ok "device_del kpnic1: gone from QEMU after $(secs $(($(now_us) - t0))) s, $if1 gone"
else
	not_ok "device_del kpnic1: still in QEMU's /machine/peripheral, or $if1 still there"
fi

# 9. The remaining NIC still works.
if carrier_is "$if0" 1 && out=$(kp_qemu_monitor info network) && [[ "$out" == *kpnet0* ]]; then
	ok "$if0 keeps its carrier; info network still answers"
else
	not_ok "$if0 after the unplug: carrier $(cat "/sys/class/net/$if0/carrier" 2>/dev/null)"
fi
finish
