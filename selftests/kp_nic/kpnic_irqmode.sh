#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kp_nic in each interrupt mode (module parameter int_mode: 0 INTx, 1 MSI,
# 2 MSI-X): the mode is the one asked for, the vectors are named as
# /proc/interrupts shows them, and traffic flows with exact counters, TCP
# integrity and the interrupts counted on the vector that carried it; the
# self-test (ethtool -t offline) passes in each mode.

source "$(dirname "$0")/lib.sh"

NSA=kqa-$$
NSB=kqb-$$
IPA=10.92.0.1
IPB=10.92.0.2

# kn_irqs_of NAME: interrupts taken by the /proc/interrupts lines whose
# name matches the regular expression ^NAME$.
kn_irqs_of() {
	awk -v n="^$1\$" '$NF ~ n { for (i = 2; i <= NF; i++)
		if ($i ~ /^[0-9]+$/) s += $i; else break; f = 1 }
		END { print s + 0; exit !f }' /proc/interrupts
}

# kn_mode MODE NAME: reload with int_mode=MODE, check, run traffic.
kn_mode() {
	local mode=$1 name=$2 line irq0 irq1 vec

	ip netns del "$NSA" 2>/dev/null || :
	ip netns del "$NSB" 2>/dev/null || :
	kn_unload
	kn_load int_mode="$mode"
	kp_netns_add "$NSA" "$NSB"
	kn_link "$NSA" "$KN_A" "$IPA" "$NSB" "$KN_B" "$IPB"
	line=$(dmesg | grep "kp_nic $KN_A .*Intel 82576 at $KN_A" | tail -n1)
	case "$line" in
	*", $name interrupts, "*) ;;
	*) kp_fail "int_mode=$mode: probe says '$line'" ;;
	esac
	if [ "$name" = MSI-X ]; then
		vec="$KN_DEV_A-TxRx-[0-9]+"
		kn_irqs_of "$KN_DEV_A" >/dev/null ||
			kp_fail "no '$KN_DEV_A' (other) vector"
	else
		vec=$KN_DEV_A
		if kn_irqs_of "$KN_DEV_A-TxRx-0" >/dev/null; then
			kp_fail "a TxRx vector in $name mode"
		fi
	fi
	irq0=$(kn_irqs_of "$vec")
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 300 100
	kn_udp_exact "$NSB" "$KN_DEV_B" "$NSA" "$KN_DEV_A" "$IPA" 300 1000
	kn_tcp_sha "$NSA" "$NSB" "$IPB" 2
	irq1=$(kn_irqs_of "$vec")
	kp_log "$name: $((irq1 - irq0)) interrupts on '$vec' for 600 datagrams + 2 MB TCP"
	[ "$name" != MSI-X ] || kp_eq "MSI-X: TxRx vectors" "$(kn_queues)" \
		"$(grep -Ec " $KN_DEV_A-TxRx-[0-9]+\$" /proc/interrupts)"
	[ $((irq1 - irq0)) -gt 0 ] || kp_fail "no interrupt on '$vec'"
	kp_eq "ethtool vector_0_irqs > 0" 1 \
		$(($(kn_ethtool_stat "$NSA" "$KN_DEV_A" vector_0_irqs) > 0))
	# the self-test's interrupt test runs on this mode's line
	kp_eq "$name: ethtool -t offline" "PASS 0 0 0 0 0" \
		"$(kn_selftest "$NSA" "$KN_DEV_A" offline)"
	kp_log "$(dmesg | grep "$KN_DEV_A: self-test: testing the" | tail -n1)"
	kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 100 100
}

test_intx() { kn_mode 0 INTx; }
test_msi() { kn_mode 1 MSI; }
test_msix() { kn_mode 2 MSI-X; }

test_bad_param() {
	local out v

	kn_unload
	for v in 3 -1 msix; do
		out=$(kn_load int_mode="$v" 2>&1) &&
			kp_fail "int_mode=$v accepted"
		kp_log "int_mode=$v: $out"
		if kn_loaded; then
			kp_fail "kp_nic loaded with int_mode=$v"
		fi
	done
	dmesg | grep -q "int_mode=3: must be 0 (INTx), 1 (MSI) or 2 (MSI-X)" ||
		kp_fail "no message for int_mode=3"
	kn_load
}

kn_setup
# the cases make their netns in their subshells: delete them at exit
KP_NETNS=("$NSA" "$NSB")

kp_plan 4
kp_run "int_mode=0: INTx, shared line, traffic exact, ethtool -t PASS" test_intx
kp_run "int_mode=1: MSI, one vector, traffic exact, ethtool -t PASS" test_msi
kp_run "int_mode=2: MSI-X, other + TxRx vectors, traffic exact, ethtool -t PASS" test_msix
kp_run "int_mode=3, -1, msix refused (EINVAL), nothing loaded" test_bad_param
kp_exit
