#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "kp_nic" generic netlink family, through the kernel's YNL tools
# (tools/net/ynl/cli.py of linux-source-6.12, via scripts/ksrc) and kpctl:
# the spec is valid; cli.py's dump equals `kpctl -j nic show`; the ring
# counters move by exactly the datagrams sent and the ring indices agree
# with the registers once idle; the queue vector's interrupts rise as
# /proc/interrupts says; an unprivileged user reads the same, a container
# sees none of our devices; errors carry errno and extack; a device that
# is down has no rings; --watch repeats until SIGTERM.

source "$(dirname "$0")/lib.sh"

NSA=knnl-a-$$
NSB=knnl-b-$$
IPA=10.90.2.1
IPB=10.90.2.2
TMPD=
YNL=		# tools/net/ynl of the 6.12 source
SPEC=		# $TMPD/specs/kp_nic.yaml, genetlink*.yaml in $TMPD
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

# ynl NS ARGS...: cli.py in NS, schema-validated spec, JSON output.
ynl() {
	local ns=$1
	shift
	ip netns exec "$ns" python3 "$YNL/cli.py" --spec "$SPEC" --output-json "$@"
}

# Both views normalised: snake_case keys, running and the RSS port choices
# as booleans, "rings" and "vectors" arrays (empty while down), no pad; the
# RSS key and table as YNL prints binary (hex digits; kpctl: "8b:b2:..."
# and an array of queues, each below 10).
# shellcheck disable=SC2016 # jq
NORM_YNL='def snake: with_entries(.key |= gsub("-"; "_")) | del(.pad);
	[.[] | snake | {ifindex, ifname, pci_addr, irq_mode, queue_pairs,
	  running: (.running == 1),
	  rings: [(.ring // [])[] | snake], vectors: [(.vector // [])[] | snake],
	  rss: (.rss | snake | .udp4_ports |= (. == 1) | .udp6_ports |= (. == 1))}] |
	sort_by(.ifindex)'
NORM_KPCTL='sort_by(.ifindex) | map(.rss |= (.key |= gsub(":"; "") |
	.table |= (map("0" + tostring) | join(""))))'
# The queue vector's counters move on their own: the model's throttled
# vector fires with nothing new (about half its interrupts while idle, 6.1
# VM run: 370 spurious of 702), so the dumps are compared without them.
STILL='map(.vectors |= map(del(.interrupts, .polls, .polls_full, .spurious)))'

# ring NS DEV TYPE FIELD: one value of DEV's queue-0 ring of TYPE (kpctl).
ring() {
	"$KPCTL" -n "$1" -j nic rings dev "$2" |
		jq -er --arg t "$3" --arg f "$4" \
		   '.[0].rings[] | select(.index == 0 and .type == $t) | .[$f]'
}

# qvec NS DEV FIELD: one value of DEV's first queue (or only) vector.
qvec() {
	"$KPCTL" -n "$1" -j nic irqs dev "$2" |
		jq -er --arg f "$3" \
		   '[.[0].vectors[] | select(.type != "other")][0] | .[$f]'
}

test_spec_valid() {
	python3 - "$YNL" "$SPEC" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
from lib import SpecFamily
f = SpecFamily(sys.argv[2])
print(f"# {f.name}: {len(f.attr_sets)} attribute sets, {len(f.msgs)} messages")
EOF
}

# The vectors' counters move on their own (STILL leaves them out): compare
# kpctl with a YNL dump taken just before and equal to one taken just
# after, up to 10 tries.
test_dump_equals_kpctl() {
	local y1 y2 k i

	for ((i = 0; i < 10; i++)); do
		y1=$(ynl "$NSA" --dump dev-get | jq -cS "$NORM_YNL | $STILL")
		k=$("$KPCTL" -n "$NSA" -j nic show | jq -cS "$NORM_KPCTL | $STILL")
		y2=$(ynl "$NSA" --dump dev-get | jq -cS "$NORM_YNL | $STILL")
		[ "$y1" = "$y2" ] && [ "$y1" = "$k" ] && break
	done
	kp_log "YNL:   $y2"
	kp_log "kpctl: $k"
	[ "$y1" = "$y2" ] || kp_fail "two YNL dumps in a row never agreed"
	kp_eq "cli.py --dump dev-get = kpctl -j nic show" "$y1" "$k"
	kp_eq "devices in $NSA" "$KN_DEV_A" "$(jq -r 'map(.ifname) | join(" ")' <<<"$k")"
	kp_eq "pci address" "$KN_A" "$(jq -r '.[0].pci_addr' <<<"$k")"
	kp_eq "irq mode, queue pairs, running" "msix 1 true" \
		"$(jq -r '.[0] | "\(.irq_mode) \(.queue_pairs) \(.running)"' <<<"$k")"
	kp_eq "rings (index type vector size)" "0 tx 1 256,0 rx 1 256" \
		"$(jq -r '[.[0].rings[] | "\(.index) \(.type) \(.vector) \(.size)"] | join(",")' <<<"$k")"
	kp_eq "vectors (index type name)" "0 other $KN_DEV_A,1 queue $KN_DEV_A-TxRx-0" \
		"$(jq -r '[.[0].vectors[] | "\(.index) \(.type) \(.name)"] | join(",")' <<<"$k")"
	# do by ifname equals the dump's entry
	y1=$(ynl "$NSA" --do dev-get --json "{\"ifname\": \"$KN_DEV_A\"}" |
	     jq -cS "[.] | $NORM_YNL | .[0] | {ifindex, ifname, pci_addr, rings: [.rings[] | {index, type, size}]}")
	kp_eq "do dev-get by ifname" \
		"$(jq -cS '.[0] | {ifindex, ifname, pci_addr, rings: [.rings[] | {index, type, size}]}' <<<"$k")" "$y1"
}

# kn_udp_exact's datagrams (ipv6 off, static neighbours: nothing else is
# sent) move the rings' counters by exactly that many; once idle, the
# driver's indices and the registers agree.
test_ring_counters() {
	local n=300 tx0 rx0 db0 rdb0 tx1 rx1 db1 rdb1 size inflight

	kn_quiesce "$NSA" "$KN_DEV_A"
	tx0=$(ring "$NSA" "$KN_DEV_A" tx packets)
	db0=$(ring "$NSA" "$KN_DEV_A" tx doorbells)
	rx0=$(ring "$NSB" "$KN_DEV_B" rx packets)
	rdb0=$(ring "$NSB" "$KN_DEV_B" rx doorbells)
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" "$n" 100
	kn_quiesce "$NSA" "$KN_DEV_A"
	tx1=$(ring "$NSA" "$KN_DEV_A" tx packets)
	db1=$(ring "$NSA" "$KN_DEV_A" tx doorbells)
	rx1=$(ring "$NSB" "$KN_DEV_B" rx packets)
	rdb1=$(ring "$NSB" "$KN_DEV_B" rx doorbells)
	kp_log "A tx: +$((tx1 - tx0)) packets, +$((db1 - db0)) doorbells;" \
	       "B rx: +$((rx1 - rx0)) packets, +$((rdb1 - rdb0)) doorbells"
	kp_eq "A tx ring packets delta" "$n" $((tx1 - tx0))
	kp_eq "B rx ring packets delta" "$n" $((rx1 - rx0))
	# tx_doorbell_usecs=0: one TDT write per datagram at most
	kp_range "A tx doorbells delta" 1 "$n" $((db1 - db0))
	# RDT once 16 or more refilled slots wait: at most one per 16 frames,
	# at least one per 64 + 15 (a poll's budget and what waited before)
	kp_range "B rx doorbells delta" $((n / 79)) $((n / 16 + 1)) $((rdb1 - rdb0))

	# idle TX: everything reclaimed, TDH = TDT = next_to_use = next_to_clean
	kp_eq "A tx head tail ntu ntc, in flight, bql inflight" \
		"$(ring "$NSA" "$KN_DEV_A" tx next_to_use) x4, 0, 0" \
		"$("$KPCTL" -n "$NSA" -j nic rings dev "$KN_DEV_A" |
		   jq -r '.[0].rings[] | select(.type == "tx") |
			  if ([.head, .tail, .next_to_use, .next_to_clean] | unique | length) == 1
			  then "\(.head) x4, \(.in_flight), \(.bql_inflight)"
			  else "\(.head) \(.tail) \(.next_to_use) \(.next_to_clean)" end')"
	# idle RX: RDH = next_to_clean, RDT = next_to_use, fewer than 16
	# refilled slots wait for their doorbell
	kp_eq "B rx head = ntc, tail = ntu" "true true" \
		"$("$KPCTL" -n "$NSB" -j nic rings dev "$KN_DEV_B" |
		   jq -r '.[0].rings[] | select(.type == "rx") |
			  "\(.head == .next_to_clean) \(.tail == .next_to_use)"')"
	size=$(ring "$NSB" "$KN_DEV_B" rx size)
	inflight=$(ring "$NSB" "$KN_DEV_B" rx in_flight)
	kp_range "B rx in flight" $((size - 17)) $((size - 1)) "$inflight"
}

# proc_irqs IRQ: IRQ's interrupts on all CPUs, from /proc/interrupts.
proc_irqs() {
	awk -v i="$1:" '$1 == i { s = 0; for (c = 2; c <= NF; c++)
		if ($c ~ /^[0-9]+$/) s += $c; else break; print s }' /proc/interrupts
}

# qvec_counters NS DEV: "interrupts polls spurious" of DEV's first queue
# vector, from one kpctl read.
qvec_counters() {
	"$KPCTL" -n "$1" -j nic irqs dev "$2" |
		jq -er '[.[0].vectors[] | select(.type != "other")][0] |
			"\(.interrupts) \(.polls) \(.spurious)"'
}

# The queue vector takes interrupts for the traffic, as /proc/interrupts
# counts them for the irq kpctl names.  The model's throttled vector also
# fires while idle, so each kpctl read is bracketed by two /proc reads and
# the handler's delta must lie between the inner and the outer /proc delta.
test_vector_irqs() {
	local irq name c pa0 pb0 pa1 pb1 i0 p0 s0 i1 p1 s1

	irq=$(qvec "$NSA" "$KN_DEV_A" irq)
	name=$(qvec "$NSA" "$KN_DEV_A" name)
	kp_eq "/proc/interrupts line of irq $irq ends with" "$name" \
		"$(awk -v i="$irq:" '$1 == i { print $NF }' /proc/interrupts)"
	pa0=$(proc_irqs "$irq")
	c=$(qvec_counters "$NSA" "$KN_DEV_A")
	pb0=$(proc_irqs "$irq")
	read -r i0 p0 s0 <<<"$c"
	kn_udp_exact "$NSA" "$KN_DEV_A" "$NSB" "$KN_DEV_B" "$IPB" 200 100
	pa1=$(proc_irqs "$irq")
	c=$(qvec_counters "$NSA" "$KN_DEV_A")
	pb1=$(proc_irqs "$irq")
	read -r i1 p1 s1 <<<"$c"
	kp_log "$name (irq $irq): interrupts +$((i1 - i0))" \
	       "(/proc +$((pa1 - pb0)) .. +$((pb1 - pa0)))," \
	       "polls +$((p1 - p0)), spurious +$((s1 - s0))"
	[ $((i1 - i0)) -gt 0 ] || kp_fail "no interrupt counted on $name"
	[ $((p1 - p0)) -gt 0 ] || kp_fail "no NAPI poll counted on $name"
	# every interrupt the handler took is one /proc/interrupts counted
	# (the flow handler counts it just before our handler runs: one may
	# be between the two at either read)
	kp_range "interrupts delta vs /proc/interrupts" $((pa1 - pb0 - 1)) \
		$((pb1 - pa0 + 1)) $((i1 - i0))
	kp_range "spurious delta" 0 $((i1 - i0)) $((s1 - s0))
}

# All ops are reads: no permission flag, as kp_loop's dev-get.  Nobody in
# the device's netns reads the same devices and rings; a container (own
# user and net namespace) sees no kp_nic device, and an ifindex of ours
# names nothing there.
test_unprivileged() {
	local shape='[.[] | {ifname, pci_addr, irq_mode, queue_pairs, running,
		     rings: [.rings[] | {index, type, size}],
		     vectors: [.vectors[] | {index, type, name, irq}]}]'
	local root nobody idx out rc=0

	root=$("$KPCTL" -n "$NSA" -j nic show | jq -cS "$shape")
	# kpctl -n needs CAP_SYS_ADMIN for setns(): enter the netns first
	nobody=$(ip netns exec "$NSA" "${NOBODY[@]}" "$KPCTL" -j nic show | jq -cS "$shape")
	kp_eq "unprivileged kpctl nic show" "$root" "$nobody"
	kp_eq "devices nobody sees" "[\"$KN_DEV_A\"]" "$(jq -c 'map(.ifname)' <<<"$nobody")"

	kp_eq "container: kpctl nic show" "[]" \
		"$(unshare -Urn "$KPCTL" -j nic show)"
	idx=$(kp_ifindex "$NSA" "$KN_DEV_A")
	out=$(unshare -Urn python3 "$YNL/cli.py" --spec "$SPEC" --output-json \
	      --do dev-get --json "{\"ifindex\": $idx}" 2>&1) || rc=$?
	kp_log "container, ifindex $idx: $out"
	kp_eq "exit status" 1 "$rc"
	case "$out" in
	*"Netlink error: No such device"*) ;;
	*) kp_fail "a container found ifindex $idx of another netns" ;;
	esac
}

# expect_nl_error WHAT ERRNO_TEXT MSG cli.py ARGS...: ARGS fail with that
# errno and extack message.
expect_nl_error() {
	local what=$1 err=$2 msg=$3 out rc=0
	shift 3

	out=$(ynl "$NSA" "$@" 2>&1) || rc=$?
	kp_log "$what: $out"
	kp_eq "$what: exit status" 1 "$rc"
	case "$out" in
	*"Netlink error: $err"*"'msg': '$msg'"*) ;;
	*) kp_fail "$what: no '$err' / '$msg' in the output" ;;
	esac
}

test_errors() {
	local idx out rc=0

	idx=$(kp_ifindex "$NSA" "$KN_DEV_A")
	expect_nl_error "bad ifindex" "No such device" "no such device" \
		--do dev-get --json '{"ifindex": 999999}'
	expect_nl_error "bad ifname" "No such device" "no such device" \
		--do dev-get --json '{"ifname": "nosuchdev0"}'
	expect_nl_error "lo" "Operation not supported" "not a kp_nic device" \
		--do dev-get --json '{"ifname": "lo"}'
	expect_nl_error "ifindex and ifname disagree" "Invalid argument" \
		"ifname does not match the device of ifindex" \
		--do dev-get --json "{\"ifindex\": $idx, \"ifname\": \"lo\"}"
	expect_nl_error "no device named" "Invalid argument" \
		"device ifindex or ifname required" --do dev-get --json '{}'
	expect_nl_error "a dump with a filter" "Invalid argument" \
		"a dump takes no filter: get one device with a do request" \
		--dump dev-get --json "{\"ifindex\": $idx}"

	out=$("$KPCTL" -n "$NSA" nic show dev lo 2>&1) || rc=$?
	kp_eq "kpctl nic show dev lo" \
		"2 Error: not a kp_nic device (Operation not supported)" "$rc $out"
	rc=0
	out=$("$KPCTL" -n "$NSA" nic rings nosuchdev0 2>&1) || rc=$?
	kp_eq "kpctl nic rings nosuchdev0" '1 Cannot find device "nosuchdev0"' "$rc $out"
}

test_down() {
	local k y

	ip -n "$NSA" link set "$KN_DEV_A" down
	k=$("$KPCTL" -n "$NSA" -j nic show dev "$KN_DEV_A")
	y=$(ynl "$NSA" --do dev-get --json "{\"ifname\": \"$KN_DEV_A\"}")
	kp_log "down: $k"
	kp_eq "kpctl: running, rings, vectors" "false 0 0" \
		"$(jq -r '.[0] | "\(.running) \(.rings | length) \(.vectors | length)"' <<<"$k")"
	kp_eq "YNL: running, ring, vector" "0 null null" \
		"$(jq -r '"\(.running) \(.ring) \(.vector)"' <<<"$y")"
	# the rings view: the header line alone (show adds the RSS set-up)
	kp_eq "text" "$(kp_ifindex "$NSA" "$KN_DEV_A"): $KN_DEV_A: pci $KN_A irq-mode msix queue-pairs 1 running off" \
		"$("$KPCTL" -n "$NSA" nic rings dev "$KN_DEV_A")"
	ip -n "$NSA" link set "$KN_DEV_A" up
	kp_static_neigh "$NSA" "$KN_DEV_A" "$IPA" "$NSB" "$KN_DEV_B" "$IPB"
	kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
	kp_eq "up again: rings" 2 \
		"$("$KPCTL" -n "$NSA" -j nic rings dev "$KN_DEV_A" | jq '.[0].rings | length')"
}

# --watch prints one JSON array per second until SIGTERM (SIGINT may be
# ignored in a script's background job, and kpctl then keeps it so), then
# exits 0.  The signal is sent once the first snapshot is out (kpctl
# handles it from before that one), 2.5 s later.
watch_exited() {
	! kill -0 "$1" 2>/dev/null
}

test_watch() {
	local out=$TMPD/watch.json pid rc=0 lines

	# ip netns exec execs kpctl: $! is kpctl's pid
	ip netns exec "$NSA" "$KPCTL" -j nic irqs --watch 1 >"$out" &
	pid=$!
	kp_wait_until 30 test -s "$out"
	sleep 2.5
	kill -TERM "$pid"
	if ! kp_wait_until 10 watch_exited "$pid"; then
		kill -KILL "$pid"
	fi
	wait "$pid" || rc=$?
	lines=$(grep -c . "$out")
	kp_log "--watch 1, SIGTERM 2.5 s after the first: $lines snapshots, exit $rc"
	kp_eq "exit status after SIGTERM" 0 "$rc"
	kp_range "snapshots" 2 4 "$lines"
	jq -e -s 'all(.[]; .[0].ifname != null)' "$out" >/dev/null ||
		kp_fail "a snapshot is not a device array"
}

kn_setup
[ -x "$KPCTL" ] || kp_skip "kpctl not built ($KPCTL)"
command -v python3 >/dev/null || kp_skip "python3 not installed"
command -v setpriv >/dev/null || kp_skip "setpriv not installed"
YNL=$("$KP_REPO/scripts/ksrc" path 6.12 2>/dev/null)/tools/net/ynl
[ -f "$YNL/cli.py" ] || kp_skip "YNL cli.py not found (scripts/ksrc path 6.12)"
TMPD=$(mktemp -d /tmp/kpnic_netlink.XXXXXX)
trap 'rm -rf "$TMPD"; kn_cleanup' EXIT
# cli.py's default schema is dirname(dirname(spec))/genetlink.yaml.
mkdir "$TMPD/specs"
cp "$KP_REPO/Documentation/netlink/specs/kp_nic.yaml" "$TMPD/specs/"
cp "$YNL"/../../../Documentation/netlink/genetlink*.yaml "$TMPD/"
SPEC=$TMPD/specs/kp_nic.yaml

kp_netns_add "$NSA" "$NSB"
kn_link "$NSA" "$KN_A" "$IPA" "$NSB" "$KN_B" "$IPB"
# one queue pair each: every datagram on ring 0, so per-ring counts are
# exact (kpnic_ethtool.sh covers several queues)
ip netns exec "$NSA" ethtool -L "$KN_DEV_A" combined 1
ip netns exec "$NSB" ethtool -L "$KN_DEV_B" combined 1
kp_wait_until 20 kn_has_carrier "$NSA" "$KN_DEV_A"
kp_wait_until 20 kn_has_carrier "$NSB" "$KN_DEV_B"

kp_plan 8
kp_run "spec valid under the genetlink schema (SpecFamily)" test_spec_valid
kp_run "cli.py --dump/--do dev-get = kpctl -j nic show" test_dump_equals_kpctl
kp_run "ring counters move by exactly the datagrams sent; idle indices = registers" \
	test_ring_counters
kp_run "queue vector: interrupts and polls rise, as /proc/interrupts" test_vector_irqs
kp_run "unprivileged reads the same; a container sees no kp_nic device" \
	test_unprivileged
kp_run "errors: ENODEV, EOPNOTSUPP, EINVAL, each with its extack" test_errors
kp_run "a device that is down has no rings or vectors" test_down
kp_run "--watch repeats until SIGTERM" test_watch
# the queue count the next scripts start from
ip netns exec "$NSA" ethtool -L "$KN_DEV_A" combined "$(kn_queues)" || :
ip netns exec "$NSB" ethtool -L "$KN_DEV_B" combined "$(kn_queues)" || :
kp_exit
