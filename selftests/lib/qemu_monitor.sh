#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# QEMU's monitor from inside the test VM.  Source it (bash), then:
#
#   kp_qemu_monitor_available || skip "no QEMU monitor channel"
#   kp_qemu_monitor set_link kpnet1 off     # prints QEMU's reply
#   kp_qemu_monitor device_del kpnic1
#   kp_qemu_monitor info network
#   kp_qemu_monitor '{"execute": "query-status"}'   # QMP: the "return" as JSON
#
# scripts/vm-run --nics gives the guest a serial port whose host side is
# scripts/qemu-monitor-relay, and names it in $KP_QEMU_MONITOR (/dev/ttySN).
# The relay runs each line as an HMP command (QMP human-monitor-command)
# or, if it is a JSON object, as a QMP command.  NIC i is netdev kpnet$i
# (set_link) and device kpnic$i (device_del), MAC 52:54:00:12:34:1i.
#
# kp_qemu_monitor CMD...: exit 0 with QEMU's reply on stdout; 1 when QEMU
# reports an error (HMP's "Error: ...", "unknown command: ...", a QMP
# error), with the reply on stderr; 2 when there is no channel; 124 when no
# reply came within $KP_QEMU_MONITOR_TIMEOUT seconds (default 30; the relay
# gives QEMU 20).
# Concurrent callers are serialised (flock on the port).
#
# Does not change the shell options of the script that sources it.

# The ID of a request: unique per call, so that a late reply to a call
# that timed out is never taken for the answer to the next one.
KP_QEMU_MONITOR_SEQ=0

kp_qemu_monitor_available() {
	[ -n "${KP_QEMU_MONITOR:-}" ] && [ -c "$KP_QEMU_MONITOR" ]
}

kp_qemu_monitor() {
	local dev=${KP_QEMU_MONITOR:-} timeout=${KP_QEMU_MONITOR_TIMEOUT:-30}
	local cmd="$*" id fd line part="" status="" out=() in_reply=0 now end left rc

	if ! kp_qemu_monitor_available; then
		echo "kp_qemu_monitor: no QEMU monitor channel" \
			"(KP_QEMU_MONITOR='${KP_QEMU_MONITOR:-}': run with scripts/vm-run --nics)" >&2
		return 2
	fi
	case "$cmd" in
	*$'\n'* | *$'\r'* | '')
		echo "kp_qemu_monitor: want one non-empty command line" >&2
		return 2
		;;
	esac
	KP_QEMU_MONITOR_SEQ=$((KP_QEMU_MONITOR_SEQ + 1))
	id="$$.$BASHPID.$KP_QEMU_MONITOR_SEQ.$RANDOM"
	exec {fd}<>"$dev" || {
		echo "kp_qemu_monitor: cannot open $dev" >&2
		return 2
	}
	# Serialise callers, raw (no echo: the relay would read its own reply
	# back; no CR/LF mapping, no flow control).
	if ! flock -w "$timeout" "$fd"; then
		exec {fd}>&-
		echo "kp_qemu_monitor: $dev busy for ${timeout} s" >&2
		return 124
	fi
	if ! stty raw -echo <&"$fd"; then
		exec {fd}>&-
		echo "kp_qemu_monitor: $dev: stty failed" >&2
		return 2
	fi
	printf '@@kpmon-req %s@@ %s\n' "$id" "$cmd" >&"$fd"
	now=${EPOCHREALTIME/./}
	end=$((now + timeout * 1000000))
	while :; do
		now=${EPOCHREALTIME/./}
		left=$(((end - now) / 1000000))
		if ((end <= now)); then
			break
		fi
		# read -t wants whole or decimal seconds: at least 1.
		((left >= 1)) || left=1
		rc=0
		IFS= read -r -t "$left" -u "$fd" line || rc=$?
		if ((rc)); then
			# Timed out (> 128): bash keeps what it read of the line;
			# go on (the overall deadline is checked above). EOF or
			# an error: the same, without spinning.
			part+=$line
			((rc > 128)) || sleep 0.2
			continue
		fi
		line=$part${line%$'\r'}
		part=""
		if ((!in_reply)); then
			# Anything before our begin mark is stale (a reply to a
			# call that timed out): skip it.
			[ "$line" = "@@kpmon-begin $id@@" ] && in_reply=1
			continue
		fi
		case "$line" in
		"@@kpmon-end $id "*"@@")
			status=${line#"@@kpmon-end $id "}
			status=${status%@@}
			break
			;;
		esac
		out+=("$line")
	done
	exec {fd}>&-
	if [ -z "$status" ]; then
		echo "kp_qemu_monitor: no reply to '$cmd' within ${timeout} s ($dev)" >&2
		return 124
	fi
	if [ "$status" = 0 ]; then
		((${#out[@]} == 0)) || printf '%s\n' "${out[@]}"
		return 0
	fi
	{
		echo "kp_qemu_monitor: '$cmd' failed (relay status $status):"
		((${#out[@]} == 0)) || printf '  %s\n' "${out[@]}"
	} >&2
	case "$status" in
	124) return 124 ;;
	2) return 2 ;;
	*) return 1 ;;
	esac
}
