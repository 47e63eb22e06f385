#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Programs the team did not write use kp_dgram through the ordinary socket
# API: Python's socket module to Python, IPv4 and IPv6 (random payloads
# compared byte for byte, source addresses and ports too); socat's generic
# socket addresses (SOCKET-DATAGRAM, SOCKET-RECV) to and from Python, both
# families; kpctl dgram's counters and configuration.  The socat case is
# skipped when socat is not installed (it is not among the Debian packages
# scripts/deps installs).

source "$(dirname "$0")/lib.sh"

NS=kdinterop-$$
PY=$KD_DIR/kd_interop.py
PYTHON=/usr/bin/python3
# -S: no site module (its imports cost about a second in the TCG VM)
PY_S=-S

# listed FAMILY PORT: a socket bound to PORT in /proc/net/kp_dgram{,6} of $NS.
listed() {
	local f=/proc/net/kp_dgram

	[ "$1" = 4 ] || f=/proc/net/kp_dgram6
	ip netns exec "$NS" awk -v p=":$(printf '%04X' "$2")" \
		'NR > 1 && substr($2, length($2) - 4) == p { n++ } END { exit !n }' "$f"
}

# payloads SIZE...: random payload files $KP_TMPDIR/p.SIZE; their names.
payloads() {
	local n

	for n in "$@"; do
		head -c "$n" /dev/urandom >"$KP_TMPDIR/p.$n"
		echo "$KP_TMPDIR/p.$n"
	done
}

# same_files DIR FILE...: DIR/0, DIR/1, ... have the bytes of FILE...
same_files() {
	local dir=$1 i=0 f
	shift

	for f in "$@"; do
		cmp "$f" "$dir/$i" ||
			kp_fail "datagram $i: received bytes differ from $f"
		i=$((i + 1))
	done
}

# py_to_py FAMILY ADDR PORT
py_to_py() {
	local fam=$1 addr=$2 port=$3 dir=$KP_TMPDIR/py$1 rx tx pid rc=0 files

	mapfile -t files < <(payloads 0 1 100 1472 9000 65000)
	mkdir -p "$dir"
	rx=$dir.rx
	rm -f "$rx.ready"
	KD_PROTO=$KD_PROTO ip netns exec "$NS" "$PYTHON" "$PY_S" "$PY" recv "$fam" \
		"$addr" "$port" "${#files[@]}" "$rx.ready" "$dir" >"$rx" 2>"$rx.err" &
	pid=$!
	# shellcheck disable=SC2064 # expand now: the pid is local
	trap "kill $pid 2>/dev/null || :" EXIT
	kp_wait_file "$rx.ready" 20
	tx=$(KD_PROTO=$KD_PROTO ip netns exec "$NS" "$PYTHON" "$PY_S" "$PY" send \
	     "$fam" "$addr" "$port" "${files[@]}")
	wait "$pid" || rc=$?
	kp_log "sent:     $(tr '\n' '|' <<<"$tx")"
	kp_log "received: $(tr '\n' '|' <"$rx") $(cat "$rx.err")"
	kp_eq "python receiver exit status" 0 "$rc"
	kp_eq "datagrams sent" "${#files[@]}" "$(wc -l <<<"$tx")"
	kp_eq "what python received (length, source) = what python sent" \
		"$tx" "$(cat "$rx")"
	same_files "$dir" "${files[@]}"
}

test_py4() {
	py_to_py 4 127.0.0.1 7401
	kd_expect_counters "$NS" "in_datagrams4=6 out_datagrams4=6 in_errors4=0 no_ports4=0"
}

test_py6() {
	py_to_py 6 ::1 7402
	kd_expect_counters "$NS" "in_datagrams6=6 out_datagrams6=6 in_errors6=0 no_ports6=0"
}

# hexaddr FAMILY PORT: socat's generic socket address of the loopback
# address and PORT (struct sockaddr_in{,6} after its family field).
hexaddr() {
	if [ "$1" = 4 ]; then
		printf 'x%04x7f0000010000000000000000' "$2"
	else
		printf 'x%04x0000000000000000000000000000000000000001''00000000' "$2"
	fi
}

# socat_both FAMILY ADDR PORT
socat_both() {
	local fam=$1 addr=$2 port=$3 dom=2 f=$KP_TMPDIR/socat$1 pid rc=0 size=8000
	local payload tx

	[ "$fam" = 4 ] || dom=10
	payload=$(payloads "$size")
	# socat -> python
	mkdir -p "$f"
	rm -f "$f.ready"
	KD_PROTO=$KD_PROTO ip netns exec "$NS" "$PYTHON" "$PY_S" "$PY" recv "$fam" \
		"$addr" "$port" 1 "$f.ready" "$f" >"$f.rx" 2>&1 &
	pid=$!
	# shellcheck disable=SC2064 # expand now: the pid is local
	trap "kill $pid 2>/dev/null || :" EXIT
	kp_wait_file "$f.ready" 20
	ip netns exec "$NS" socat -u -b 65536 "OPEN:$payload" \
		"SOCKET-DATAGRAM:$dom:2:$KD_PROTO:$(hexaddr "$fam" "$port")"
	wait "$pid" || rc=$?
	kp_log "socat -> python: $(cat "$f.rx")"
	kp_eq "python receiver exit status" 0 "$rc"
	kp_eq "length of socat's datagram as python got it" "$size" "$(cut -d' ' -f1 "$f.rx")"
	same_files "$f" "$payload"

	# python -> socat
	ip netns exec "$NS" socat -u -b 65536 -T 20 \
		"SOCKET-RECV:$dom:2:$KD_PROTO:$(hexaddr "$fam" $((port + 1)))" \
		"CREATE:$f.out" &
	pid=$!
	# shellcheck disable=SC2064 # expand now: the pid is local
	trap "kill $pid 2>/dev/null || :" EXIT
	kp_wait_until 20 listed "$fam" $((port + 1))
	tx=$(KD_PROTO=$KD_PROTO ip netns exec "$NS" "$PYTHON" "$PY_S" "$PY" send "$fam" \
	     "$addr" $((port + 1)) "$payload")
	kp_wait_until 20 test "$(stat -c %s "$f.out" 2>/dev/null || echo 0)" -ge "$size"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	kp_log "python -> socat: sent $tx; socat wrote $(stat -c %s "$f.out") bytes"
	cmp "$payload" "$f.out" || kp_fail "socat received other bytes than python sent"
}

test_socat() {
	command -v socat >/dev/null ||
		kp_skip "socat is not installed in the VM image (the host's /): cannot test it"
	socat_both 4 127.0.0.1 7403
	socat_both 6 ::1 7405
	kd_expect_counters "$NS" "in_datagrams4=8 out_datagrams4=8 in_datagrams6=8 out_datagrams6=8
		in_errors4=0 in_errors6=0 no_ports4=0 no_ports6=0"
}

# kpctl dgram (not a program of the module's team, but of this one): its
# JSON has the same values as the genetlink counters kp_dg reads, and its
# "set" changes the configuration.
test_kpctl() {
	local j want got k

	[ -x "$KPCTL" ] || kp_skip "kpctl not built ($KPCTL)"
	want=$(kd_stats "$NS")
	j=$("$KPCTL" -n "$NS" -j dgram stats)
	kp_log "kpctl: $j"
	got=$(jq -r '"proto=\(.proto) port_unreach=\(if .port_unreach then 1 else 0 end) " +
		([.ipv4 | to_entries[] | "\(.key)4=\(.value)"] | join(" ")) + " " +
		([.ipv6 | to_entries[] | "\(.key)6=\(.value)"] | join(" "))' <<<"$j")
	for k in $want; do
		kp_eq "kpctl's ${k%%=*}" "${k#*=}" "$(kp_kv "${k%%=*}" "$got")"
	done
	"$KPCTL" -n "$NS" dgram set port-unreach off
	kp_eq "port_unreach after kpctl dgram set port-unreach off" 0 \
		"$(kd_counter port_unreach "$NS")"
	"$KPCTL" -n "$NS" dgram set port-unreach on
	kp_eq "port_unreach after kpctl dgram set port-unreach on" 1 \
		"$(kd_counter port_unreach "$NS")"
}

kd_setup
[ -x "$PYTHON" ] || kp_skip "$PYTHON not installed"
command -v jq >/dev/null || kp_skip "jq not installed"
kd_netns_add "$NS"
kp_plan 4
kp_run "interop: Python to Python over IPv4" test_py4
kp_run "interop: Python to Python over IPv6" test_py6
kp_run "interop: socat generic sockets to and from Python, IPv4 and IPv6" test_socat
kp_run "interop: kpctl dgram stats / set agree with the genetlink family" test_kpctl
kp_exit
