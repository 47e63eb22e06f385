#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kp_dgram's module life: rmmod refused while a socket is open ("in use")
# and clean once it is closed; 10 insmod / rmmod cycles while senders keep
# creating sockets and sending, IPv4 and IPv6 (vm-run fails the run on any
# splat); proto=254 (254 works, 253 gets EPROTONOSUPPORT) and every other
# value refused at insmod with EINVAL; loading on the first socket() through
# the module's aliases.  Unloads and reloads the module, so it runs last;
# it leaves the module loaded with its default protocol.
#
# Autoload: the VM's /lib/modules/$(uname -r) is the host's, read-only
# (9p), so kp_dgram.ko cannot be installed there.  It is installed in a
# module tree of its own (tmpfs, depmod -b) and the kernel's modprobe
# (/proc/sys/kernel/modprobe) is pointed, for that case only, at a wrapper
# that runs /sbin/modprobe -d on that tree: the kernel's request_module()
# for "net-pf-2-proto-253-type-2" then finds the module by its alias.

source "$(dirname "$0")/lib.sh"

CYCLES=10

# rmmod_retry SECONDS: rmmod kp_dgram until it works; an attempt may only
# fail because a socket holds the module.
rmmod_retry() {
	local i out

	for ((i = 0; i < $1 * 20; i++)); do
		if out=$(rmmod kp_dgram 2>&1); then
			return 0
		fi
		case "$out" in
		*"Module kp_dgram is in use"* | *"Resource temporarily unavailable"*) ;;
		*) kp_fail "rmmod kp_dgram: $out"; return 1 ;;
		esac
		sleep 0.05
	done
	kp_fail "rmmod kp_dgram still refused after $1 s: $out"
}

# refused_while_open FAMILY
refused_while_open() {
	local f=$KP_TMPDIR/hold$1 pid out rc=0

	rm -f "$f.ready"
	"$KD_DG" hold "-$1" -r "$f.ready" >"$f" 2>&1 &
	pid=$!
	# shellcheck disable=SC2064 # expand now: the pid is local
	trap "kill $pid 2>/dev/null || :" EXIT
	kp_wait_file "$f.ready"
	out=$(rmmod kp_dgram 2>&1) || rc=$?
	kp_log "rmmod with an IPv$1 socket open: exit $rc: $out"
	[ "$rc" -ne 0 ] || kp_fail "rmmod succeeded with a socket open"
	case "$out" in
	*"Module kp_dgram is in use"*) ;;
	*) kp_fail "rmmod said '$out', expected 'Module kp_dgram is in use'" ;;
	esac
	kd_loaded || kp_fail "kp_dgram gone with a socket open"
	[ "$(cat /sys/module/kp_dgram/refcnt)" -ge 1 ] ||
		kp_fail "refcnt $(cat /sys/module/kp_dgram/refcnt) with a socket open"
	kill -TERM "$pid"
	wait "$pid" || kp_fail "kp_dg hold: $(cat "$f")"
	# the reference goes with the socket (after an RCU grace period)
	kp_wait_until 10 kd_refcnt_zero
	rmmod kp_dgram
	! kd_loaded || kp_fail "kp_dgram still loaded after rmmod"
	kd_load
}

test_in_use() {
	refused_while_open 4
	refused_while_open 6
}

# out_moved FAMILY: this load of the module has sent datagrams of FAMILY.
out_moved() {
	[ "$(kd_counter "out_datagrams$1")" -gt 0 ]
}

test_cycles() {
	local t=$KP_TMPDIR p4 p6 i s4 s6

	kd_loaded || kd_load
	# to a port nobody has: ICMP port unreachable comes back each time too
	"$KD_DG" churn -4 127.0.0.1 9 >"$t/churn4" 2>&1 &
	p4=$!
	"$KD_DG" churn -6 ::1 9 >"$t/churn6" 2>&1 &
	p6=$!
	# shellcheck disable=SC2064 # expand now: the pids are local
	trap "kill $p4 $p6 2>/dev/null || :" EXIT
	for ((i = 1; i <= CYCLES; i++)); do
		# traffic ran with this load of the module (its counters start at 0)
		kp_wait_until 20 out_moved 4
		kp_wait_until 20 out_moved 6
		rmmod_retry 20
		! kd_loaded || kp_fail "cycle $i: still loaded after rmmod"
		sleep 0.2	# the senders meet no module
		kd_load
		kp_log "cycle $i: unloaded and loaded again"
	done
	kill -TERM "$p4" "$p6"
	wait "$p4" || kp_fail "IPv4 sender: $(cat "$t/churn4")"
	wait "$p6" || kp_fail "IPv6 sender: $(cat "$t/churn6")"
	s4=$(cat "$t/churn4")
	s6=$(cat "$t/churn6")
	kp_log "IPv4 sender: $s4"
	kp_log "IPv6 sender: $s6"
	# EPROTONOSUPPORT: no module; ENOMEM (IPv4) / ENOBUFS (IPv6): the
	# module is going (inet_create() cannot take its reference)
	kp_eq "IPv4 sender: errors other than EPROTONOSUPPORT / ENOMEM" 0 "$(kp_kv other "$s4")"
	kp_eq "IPv6 sender: errors other than EPROTONOSUPPORT / ENOBUFS" 0 "$(kp_kv other "$s6")"
	[ "$(kp_kv eprotonosupport "$s4")" -gt 0 ] ||
		kp_fail "the IPv4 sender never ran while the module was out"
	[ "$(kp_kv eprotonosupport "$s6")" -gt 0 ] ||
		kp_fail "the IPv6 sender never ran while the module was out"
}

test_proto_254() {
	local out st

	kd_unload
	kd_load proto=254
	st=$(kd_stats)
	kp_log "$st"
	kp_eq "proto in stats-get" 254 "$(kp_kv proto "$st")"
	kp_eq "socket(AF_INET, SOCK_DGRAM, 254)" ok "$("$KD_DG" socket -4 -P 254)"
	kp_eq "socket(AF_INET6, SOCK_DGRAM, 254)" ok "$("$KD_DG" socket -6 -P 254)"
	kp_eq "socket(AF_INET, SOCK_DGRAM, 253)" EPROTONOSUPPORT "$("$KD_DG" socket -4 -P 253 || true)"
	kp_eq "socket(AF_INET6, SOCK_DGRAM, 253)" EPROTONOSUPPORT "$("$KD_DG" socket -6 -P 253 || true)"
	out=$("$KD_DG" xfer -4 -P 254 -c 40 127.0.0.1)
	kp_eq "IPv4 over protocol 254" "sent=40 received=40" "$(cut -d' ' -f1,2 <<<"$out")"
	out=$("$KD_DG" xfer -6 -P 254 -c 40 ::1)
	kp_eq "IPv6 over protocol 254" "sent=40 received=40" "$(cut -d' ' -f1,2 <<<"$out")"
	kd_expect_counters "" "proto=254 in_datagrams4=40 out_datagrams4=40 in_datagrams6=40 out_datagrams6=40"
	kd_unload
	kd_load
	kp_eq "proto after a plain insmod" 253 "$(kd_counter proto)"
}

# finit_module() of kp_dgram.ko with each "proto=N" given: the errno's name
# (or "ok") per value, one line.
finit_each() {
	/usr/bin/python3 -S - "$KD_KO" "$@" <<'PY'
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
SYS_finit_module = 313  # x86_64
out = []
for p in sys.argv[2:]:
    fd = os.open(sys.argv[1], os.O_RDONLY)
    r = libc.syscall(SYS_finit_module, fd, f"proto={p}".encode(), 0)
    e = ctypes.get_errno()
    os.close(fd)
    out.append(f"{p}:" + ("ok" if r == 0 else errno.errorcode.get(e, str(e))))
    if r == 0:
        break
print(" ".join(out))
PY
}

test_bad_proto() {
	local got

	kd_unload
	got=$(finit_each 0 7 17 252 255 256 -1)
	kp_eq "finit_module() errno per proto" \
		"0:EINVAL 7:EINVAL 17:EINVAL 252:EINVAL 255:EINVAL 256:EINVAL -1:EINVAL" "$got"
	! kd_loaded || kp_fail "kp_dgram loaded by a refused proto"
	# and what insmod says about it (kmod's text for EINVAL)
	kp_expect_fail "could not insert module $KD_KO: Invalid parameters" \
		insmod "$KD_KO" proto=7
	! kd_loaded || kp_fail "kp_dgram loaded with proto=7"
	kd_load
}

# autoload FAMILY ALIAS
autoload() {
	local fam=$1 alias=$2 out

	kd_unload
	: >"$KP_TMPDIR/modprobe.log"
	out=$("$KD_DG" socket "-$fam" -P 253)
	kp_log "socket(): $out; modprobe ran with: $(tr '\n' '|' <"$KP_TMPDIR/modprobe.log")"
	kp_eq "socket() with kp_dgram not loaded, installed" ok "$out"
	kd_loaded || kp_fail "kp_dgram not loaded by socket()"
	grep -q -- "$alias" "$KP_TMPDIR/modprobe.log" ||
		kp_fail "the kernel did not ask modprobe for $alias"
}

test_autoload() {
	local root=$KP_TMPDIR/modroot kver old

	kver=$(uname -r)
	mkdir -p "$root/lib/modules/$kver/extra"
	cp "$KD_KO" "$root/lib/modules/$kver/extra/"
	depmod -b "$root" "$kver" 2>"$KP_TMPDIR/depmod.err" ||
		kp_fail "depmod: $(cat "$KP_TMPDIR/depmod.err")"
	grep -q "^alias net-pf-2-proto-253-type-2 kp_dgram$" \
		"$root/lib/modules/$kver/modules.alias" ||
		kp_fail "no alias net-pf-2-proto-253-type-2 in modules.alias: $(cat "$root/lib/modules/$kver/modules.alias")"
	grep -q "^alias net-pf-10-proto-253-type-2 kp_dgram$" \
		"$root/lib/modules/$kver/modules.alias" ||
		kp_fail "no alias net-pf-10-proto-253-type-2 in modules.alias"
	cat >"$KP_TMPDIR/modprobe" <<-WRAPPER
	#!/bin/sh
	echo "\$*" >>"$KP_TMPDIR/modprobe.log"
	exec /sbin/modprobe -d "$root" "\$@"
	WRAPPER
	chmod 755 "$KP_TMPDIR/modprobe"
	old=$(cat /proc/sys/kernel/modprobe)
	# shellcheck disable=SC2064 # expand now: $old is local
	trap "echo '$old' >/proc/sys/kernel/modprobe || :" EXIT
	echo "$KP_TMPDIR/modprobe" >/proc/sys/kernel/modprobe
	autoload 4 net-pf-2-proto-253-type-2
	autoload 6 net-pf-10-proto-253-type-2
	echo "$old" >/proc/sys/kernel/modprobe
}

kd_setup
kp_plan 5
kp_run "module: rmmod refused while a socket is open, clean once closed" test_in_use
kp_run "module: $CYCLES insmod / rmmod cycles while senders run, IPv4 and IPv6" test_cycles
kp_run "module: proto=254: 254 works, 253 EPROTONOSUPPORT" test_proto_254
kp_run "module: proto=0, 7, 17, 252, 255, 256, -1 refused with EINVAL" test_bad_proto
kp_run "module: socket() loads kp_dgram through its aliases (IPv4, IPv6)" test_autoload
# Leave the module loaded, with its default protocol, whatever happened.
kd_loaded || kd_load || true
kp_exit
