#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own YNL tools (tools/net/ynl/cli.py, from linux-source-6.12
# via scripts/ksrc) against the live module with our spec: the spec is
# valid under the genetlink schema; dumps and gets agree with kpctl; a
# dev-set through YNL is read back by kpctl; the kernel's extack reaches
# YNL; and YNL sees the "events" notifications, among them a pair's two
# delete events with both ends' last counters, exact.

source "$(dirname "$0")/lib.sh"

NS=kpynl-$$
NSB=kpynl-b-$$
TMPD=
YNL=		# tools/net/ynl of the 6.12 source
SPEC=		# $TMPD/specs/kp_loop.yaml, genetlink*.yaml in $TMPD

# ynl ARGS...: cli.py in $NS, schema-validated spec, JSON output.
ynl() {
	ip netns exec "$NS" python3 "$YNL/cli.py" --spec "$SPEC" --output-json "$@"
}

# Both views normalised to one object per device, sorted by ifindex:
# {ifindex, ifname, mode, peer_ifindex, peer_netnsid, carrier, drop_ppm,
#  corrupt_ppm, dup_ppm, mtu, stats{...}}.
NORM_YNL='[.[] | {ifindex, ifname, mode,
	peer_ifindex: .["peer-ifindex"], peer_netnsid: .["peer-netnsid"],
	carrier, drop_ppm: .["drop-ppm"], corrupt_ppm: .["corrupt-ppm"],
	dup_ppm: .["dup-ppm"], mtu,
	stats: (.stats | with_entries(.key |= gsub("-"; "_")))}] |
	sort_by(.ifindex)'
# kpctl: `loop show` and `loop stats`, joined on ifindex
# shellcheck disable=SC2016 # jq variables
NORM_KPCTL='[.[0][] as $d | (.[1][] | select(.ifindex == $d.ifindex)) as $s |
	{ifindex: $d.ifindex, ifname: $d.ifname, mode: $d.mode,
	 peer_ifindex: $d.peer_ifindex, peer_netnsid: $d.link_netnsid,
	 carrier: (if $d.admin_carrier then 1 else 0 end),
	 drop_ppm: $d.drop_ppm, corrupt_ppm: $d.corrupt_ppm,
	 dup_ppm: $d.dup_ppm, mtu: $d.mtu, stats: $s.stats}] | sort_by(.ifindex)'

kpctl_view() {
	jq -cS -s "$NORM_KPCTL" <("$KPCTL" -n "$NS" -j loop show) \
		<("$KPCTL" -n "$NS" -j loop stats)
}

# same WHAT A B: two JSON documents are equal (keys sorted).
same() {
	local a b

	a=$(jq -cS . <<<"$2")
	b=$(jq -cS . <<<"$3")
	if [ "$a" != "$b" ]; then
		kp_log "YNL:   $a"
		kp_log "kpctl: $b"
		kp_fail "$1: YNL and kpctl disagree"
	fi
}

test_spec_valid() {
	local bad=$TMPD/bad

	# default schema: $TMPD/genetlink.yaml (the spec's protocol)
	python3 - "$YNL" "$SPEC" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
from lib import SpecFamily
f = SpecFamily(sys.argv[2])
print(f"# {f.name}: {len(f.attr_sets)} attribute sets, "
      f"{len(f.msgs)} messages, mcast groups {list(f.mcast_groups)}")
EOF
	# and the validation does run: a spec with a bogus type is refused
	mkdir -p "$bad/specs"
	cp "$TMPD"/genetlink*.yaml "$bad/"
	sed '0,/type: u32/s//type: u33/' "$SPEC" >"$bad/specs/kp_loop.yaml"
	if python3 -c "import sys; sys.path.insert(0, sys.argv[1])
from lib import SpecFamily
SpecFamily(sys.argv[2])" "$YNL" "$bad/specs/kp_loop.yaml" 2>"$bad/err"; then
		kp_fail "a spec with 'type: u33' passed validation"
	fi
	kp_log "bogus spec refused: $(tail -n 1 "$bad/err")"
}

test_dump() {
	local y k

	y=$(ynl --dump dev-get | jq -cS "$NORM_YNL")
	k=$(kpctl_view)
	kp_log "devices: $(jq -r 'map(.ifname) | join(" ")' <<<"$y")"
	kp_eq "devices dumped" "kl0 p0 p1 x0" \
		"$(jq -r 'map(.ifname) | sort | join(" ")' <<<"$y")"
	same "dump dev-get vs kpctl loop show + stats" "$y" "$k"
	# the traffic sent in setup is there
	kp_eq "x0 tx_packets" 5 "$(jq '.[] | select(.ifname == "x0") | .stats.tx_packets' <<<"$y")"
}

test_do_get() {
	local y k idx

	y=$(ynl --do dev-get --json '{"ifname": "x0"}' | jq -cS "[.] | $NORM_YNL")
	k=$(kpctl_view | jq -c '[.[] | select(.ifname == "x0")]')
	same "do dev-get x0" "$y" "$k"
	idx=$(ip -n "$NS" -j link show dev kl0 | jq '.[0].ifindex')
	y=$(ynl --do dev-get --json "{\"ifindex\": $idx}" | jq -cS "[.] | $NORM_YNL")
	k=$(kpctl_view | jq -c '[.[] | select(.ifname == "kl0")]')
	same "do dev-get ifindex $idx" "$y" "$k"
}

test_do_set() {
	local out show

	out=$(ynl --do dev-set --json \
	      '{"ifname": "kl0", "drop-ppm": 123, "corrupt-ppm": 456, "dup-ppm": 1000000, "carrier": 1}')
	kp_eq "dev-set reply" null "$out"
	show=$("$KPCTL" -n "$NS" -j loop show kl0)
	kp_log "kpctl: $show"
	kp_eq drop_ppm 123 "$(jq '.[0].drop_ppm' <<<"$show")"
	kp_eq corrupt_ppm 456 "$(jq '.[0].corrupt_ppm' <<<"$show")"
	kp_eq dup_ppm 1000000 "$(jq '.[0].dup_ppm' <<<"$show")"
	kp_eq admin_carrier true "$(jq '.[0].admin_carrier' <<<"$show")"
}

# YNL shows the kernel's error and extack.
test_do_set_error() {
	local out rc=0 drop

	drop=$("$KPCTL" -n "$NS" -j loop show kl0 | jq '.[0].drop_ppm')
	out=$(ynl --do dev-set --json '{"ifname": "kl0", "drop-ppm": 1000001}' 2>&1) ||
		rc=$?
	kp_log "$out"
	kp_eq "exit status" 1 "$rc"
	case "$out" in
	*"Netlink error: Numerical result out of range"*"'msg': 'integer out of range'"*) ;;
	*) kp_fail "no ERANGE / 'integer out of range' in the output" ;;
	esac
	case "$out" in
	*"'max-value': 1000000"*) ;;
	*) kp_fail "the policy in the extack does not say max 1000000" ;;
	esac
	kp_eq "drop_ppm unchanged" "$drop" \
		"$("$KPCTL" -n "$NS" -j loop show kl0 | jq '.[0].drop_ppm')"

	out=$(ynl --do dev-get --json '{"ifname": "lo"}' 2>&1) && rc=0 || rc=$?
	kp_log "$out"
	kp_eq "exit status" 1 "$rc"
	case "$out" in
	*"Netlink error: Operation not supported"*"'msg': 'not a kp_loop device'"*) ;;
	*) kp_fail "no EOPNOTSUPP / 'not a kp_loop device' in the output" ;;
	esac
}

# ynl_listen OUT NDEL: a YNL listener (YNL's library rather than cli.py,
# see test_subscribe_events) subscribed to "events" in $NS, in the
# background (YNL_PID, killed when the case ends): it reads until NDEL
# dev-del-ntf have arrived, or 120 s pass, then prints every notification
# it got as one JSON list into OUT.  Returns once it is subscribed.
ynl_listen() {
	local grp

	grp=$(kp_genl_group_id kp_loop events)
	ip netns exec "$NS" python3 - "$YNL" "$SPEC" "$2" >"$1" 2>&1 <<-'EOF' &
	import json, sys, time
	sys.path.insert(0, sys.argv[1])
	from lib import YnlFamily
	ynl = YnlFamily(sys.argv[2])
	ynl.ntf_subscribe("events")
	deadline = time.monotonic() + 120
	while time.monotonic() < deadline:
	    ynl.check_ntf()
	    if sum(m["name"] == "dev-del-ntf" for m in ynl.async_msg_queue) >= int(sys.argv[3]):
	        break
	    time.sleep(0.05)
	print(json.dumps(ynl.async_msg_queue))
	EOF
	YNL_PID=$!
	# shellcheck disable=SC2064 # expand now
	trap "kill $YNL_PID 2>/dev/null || true" EXIT
	kp_wait_subscribed "$YNL_PID" "$grp" 60
}

# A listener started first (ready: its socket joined the group), then a
# device is created, changed and deleted by other processes.  (Not a
# dev-set on the subscribed socket itself: cli.py 6.12 then crashes,
# `op.attr_set` of None, when the notification arrives before the ACK.)
# YNL's library rather than cli.py: cli.py reads what arrived after a fixed
# --sleep, and on the debug kernel the three changes below once took longer
# than its 5 s, so the delete was missed.  This listener reads until the
# delete arrives, or 120 s pass.
test_subscribe_events() {
	local out=$TMPD/ntf rc=0 idx got want

	ynl_listen "$out" 1
	ip -n "$NS" link add ky0 type kploop
	# the ifindex from the kernel, not from the notifications under test
	idx=$(ip -n "$NS" -o link show dev ky0)
	idx=${idx%%:*}
	"$KPCTL" -n "$NS" loop set ky0 dup 77
	ip -n "$NS" link del ky0
	wait "$YNL_PID" || rc=$?
	kp_log "$(cat "$out")"
	kp_eq "listener exit status" 0 "$rc"
	got=$(jq -c 'map([.name, .msg.ifname, .msg.ifindex, .msg.mode,
			  .msg["dup-ppm"], .msg.stats["tx-packets"]])' <"$out")
	want="[[\"dev-add-ntf\",\"ky0\",$idx,\"loop\",0,0],"
	want+="[\"dev-change-ntf\",\"ky0\",$idx,\"loop\",77,0],"
	want+="[\"dev-del-ntf\",\"ky0\",$idx,\"loop\",77,0]]"
	kp_eq "notifications" "$want" "$got"
}

# oper_up DEV: DEV in $NS is up with carrier (linkwatch ran: frames sent
# before that end in the noop qdisc, uncounted).
oper_up() {
	[ "$(ip -n "$NS" -j link show "$1" | jq -r '.[0].operstate')" = UP ]
}

# A pair's deletion: both ends leave in one batch, and each end's tx is
# derived from the other end's counters (Documentation/kp_loop.rst,
# Counters).  The two dev-del-ntf events carry both ends' last counters
# exactly as kpctl read them just before: the end deleted second still
# reads its peer after the first one's ndo_uninit.
test_del_ntf_counters() {
	local out=$TMPD/ntfdel rc=0 n=7 m=3 flen=$((14 + 20 + 8 + 100))
	local k1 k2 got want

	kp_need_udp
	ynl_listen "$out" 2
	# no addresses: the injected frames are received (and counted), then
	# dropped by IPv4 as not for this host, and nothing answers
	"$KPCTL" -n "$NS" loop add kd0 peer kd1
	ip -n "$NS" link set kd0 up
	ip -n "$NS" link set kd1 up
	kp_wait_until 5 oper_up kd0
	kp_wait_until 5 oper_up kd1
	ip netns exec "$NS" "$KP_UDP" inject -i kd0 -c "$n" -s 100 \
		--src-ip 10.80.9.1 --dst-ip 10.80.9.2 9 >/dev/null
	ip netns exec "$NS" "$KP_UDP" inject -i kd1 -c "$m" -s 100 \
		--src-ip 10.80.9.2 --dst-ip 10.80.9.1 9 >/dev/null
	k1=$("$KPCTL" -n "$NS" -j loop stats kd0 | jq -cS '.[0].stats')
	k2=$("$KPCTL" -n "$NS" -j loop stats kd1 | jq -cS '.[0].stats')
	kp_log "kpctl kd0: $k1"
	kp_log "kpctl kd1: $k2"
	kp_eq "kd0 tx, tx bytes, rx, rx bytes" \
		"$n $((n * flen)) $m $((m * flen))" \
		"$(jq -r '"\(.tx_packets) \(.tx_bytes) \(.rx_packets) \(.rx_bytes)"' <<<"$k1")"
	kp_eq "kd1 tx, tx bytes, rx, rx bytes" \
		"$m $((m * flen)) $n $((n * flen))" \
		"$(jq -r '"\(.tx_packets) \(.tx_bytes) \(.rx_packets) \(.rx_bytes)"' <<<"$k2")"
	ip -n "$NS" link del kd0
	wait "$YNL_PID" || rc=$?
	kp_log "$(cat "$out")"
	kp_eq "listener exit status" 0 "$rc"
	got=$(jq -cS 'map(select(.name == "dev-del-ntf") |
			  [.msg.ifname, (.msg.stats | with_entries(.key |= gsub("-"; "_")))])' <"$out")
	want=$(jq -cS -n --argjson a "$k1" --argjson b "$k2" '[["kd0", $a], ["kd1", $b]]')
	kp_eq "dev-del-ntf: ifname and counters of each end" "$want" "$got"
}

kp_setup
command -v python3 >/dev/null || kp_skip "python3 not installed"
YNL=$("$KP_REPO/scripts/ksrc" path 6.12 2>/dev/null)/tools/net/ynl
[ -f "$YNL/cli.py" ] || kp_skip "YNL cli.py not found (scripts/ksrc path 6.12)"
TMPD=$(mktemp -d /tmp/kploop_ynl.XXXXXX)
kp_netns_add "$NS" "$NSB"
trap 'rm -rf "$TMPD"; kp_cleanup' EXIT
# cli.py's default schema is dirname(dirname(spec))/genetlink.yaml.
mkdir "$TMPD/specs"
cp "$KP_REPO/Documentation/netlink/specs/kp_loop.yaml" "$TMPD/specs/"
cp "$YNL"/../../../Documentation/netlink/genetlink*.yaml "$TMPD/"
SPEC=$TMPD/specs/kp_loop.yaml

# kl0: loop mode, faults set; p0-p1: a pair; x0 - x1: across netns, with
# 5 pings.
ip -n "$NS" link add kl0 type kploop
"$KPCTL" -n "$NS" loop set kl0 drop 11 corrupt 22 dup 33 carrier off
"$KPCTL" -n "$NS" loop add p0 peer p1
kp_pair "$NS" x0 10.80.0.1 "$NSB" x1 10.80.0.2
ip netns exec "$NS" ping -q -c 5 -i 0.01 -W 2 10.80.0.2 >/dev/null ||
	kp_log "setup: ping failed"

kp_plan 7
kp_run "spec valid under the genetlink schema (SpecFamily)" test_spec_valid
kp_run "cli.py --dump dev-get = kpctl loop show + stats" test_dump
kp_run "cli.py --do dev-get by ifname and ifindex = kpctl" test_do_get
kp_run "cli.py --do dev-set, read back with kpctl" test_do_set
kp_run "cli.py shows the kernel's errno and extack" test_do_set_error
kp_run "YNL subscribed to events: add, change, del notifications" \
	test_subscribe_events
kp_run "YNL: a pair's two dev-del-ntf carry both ends' last counters, exact" \
	test_del_ntf_counters
kp_exit
