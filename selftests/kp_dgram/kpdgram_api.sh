#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The socket API of kp_dgram over lo, IPv4 and IPv6: kpdgram_api (C,
# kselftest harness) runs each case in a netns of its own, with every
# counter checked exactly at its end.  Every errno of
# Documentation/kp_dgram.rst, MSG_PEEK / MSG_TRUNC / MSG_DONTWAIT,
# SO_REUSEADDR, ephemeral ports, connect / AF_UNSPEC, receive-buffer
# drops (RcvbufErrors, the socket's drops in /proc/net/kp_dgram and
# sock-get), poll / epoll / select, FIONREAD / SIOCOUTQ, a full send
# buffer (EAGAIN, SndbufErrors), ancillary data, IPV6_V6ONLY, the socket
# table, malformed packets from raw sockets (InErrors / InCsumErrors),
# ICMP port unreachable and NoPorts, port-unreach off, ECONNREFUSED, the
# header and checksum on the wire, every size up to 65507 / 65527 intact;
# config-set refused to nobody (EPERM), allowed to a container's root,
# reads allowed to everyone.

source "$(dirname "$0")/lib.sh"

API=$KD_BIN/kpdgram_api

test_api() {
	[ -x "$API" ] || kp_fail "$API not built (make -C selftests)"
	# in the initial netns: the permission cases need it, the others
	# make their own
	"$API"
}

kd_setup
# the send-buffer case holds packets in netem on a loop-mode kp_loop device
kp_load_module
kp_plan 1
kp_run "kp_dgram socket API, errnos, malformed packets, ICMP, counters, permissions (kpdgram_api, IPv4 + IPv6)" \
	test_api
kp_exit
