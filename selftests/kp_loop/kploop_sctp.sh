#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Corruption of SCTP packets.  kp_loop devices offload SCTP's CRC32c
# (NETIF_F_SCTP_CRC): SCTP leaves it to the "hardware" (CHECKSUM_PARTIAL,
# csum_not_inet).  "corrupt" must complete it as the hardware would, as a
# CRC32c, and only then flip one bit, so that a receiver sees a packet one
# bit away from a valid one (skb_checksum_help() would have written an
# Internet checksum into the CRC field instead: never one bit away).
#
# 100% corruption on a0; SCTP INIT chunks from 24 sockets in A to B; the
# frames as b0 receives them are captured with AF_PACKET, and for each
# SCTP packet the CRC32c in it is compared with the one computed over its
# bytes: equal (the flipped bit was in the IP header), one bit apart (it
# was in the CRC field) or apart by the CRC syndrome of a single-bit error
# somewhere in the SCTP packet.

source "$(dirname "$0")/lib.sh"

NSA=kpsctp-a-$$
NSB=kpsctp-b-$$

test_setup() {
	modprobe sctp
	kp_pair "$NSA" a0 10.76.0.1 "$NSB" b0 10.76.0.2
	kp_eq "a0 tx-checksum-sctp" "on" \
		"$(ip netns exec "$NSA" ethtool -k a0 | sed -n 's/^[[:space:]]*tx-checksum-sctp: \([a-z]*\).*/\1/p')"
	"$KPCTL" -n "$NSA" loop set a0 corrupt 100%
}

test_one_bit_from_valid() {
	local out

	rm -f "$KP_TMPDIR/ready"
	ip netns exec "$NSB" python3 - b0 24 "$KP_TMPDIR/ready" >"$KP_TMPDIR/cap" <<'EOF' &
import socket, sys, time
# CRC32c (Castagnoli), reflected, table-driven.
T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    T.append(c)
def crc_raw(data, c):
    for b in data:
        c = T[(c ^ b) & 0xff] ^ (c >> 8)
    return c
def crc32c(data):
    return crc_raw(data, 0xffffffff) ^ 0xffffffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
s.settimeout(1.0)
open(sys.argv[3], "w").close()
want, seen, bad = int(sys.argv[2]), 0, 0
end = time.time() + 30
while seen < want and time.time() < end:
    try:
        f = s.recv(4096)
    except socket.timeout:
        continue
    ip = f[14:]
    if len(ip) < 20:
        continue
    # A bit flipped in the IP header (the receiver drops it for its
    # checksum): nothing to check in the SCTP part.
    words = sum(int.from_bytes(ip[i:i + 2], "big") for i in range(0, 20, 2))
    while words >> 16:
        words = (words & 0xffff) + (words >> 16)
    if words != 0xffff:
        seen += 1
        print(f"packet {seen}: bit flipped in the IP header", flush=True)
        continue
    if ip[9] != 132:
        continue
    pkt = bytearray(ip[(ip[0] & 15) * 4:])
    if len(pkt) < 12:
        continue
    stored = int.from_bytes(pkt[8:12], "little")
    pkt[8:12] = b"\0\0\0\0"
    calc = crc32c(bytes(pkt))
    diff = stored ^ calc
    # The CRC of a message with one bit flipped differs from the message's
    # by the raw CRC (zero init, no final xor) of the error vector.
    single = diff == 0 or bin(diff).count("1") == 1
    n = len(pkt)
    for byte in range(n):
        if single:
            break
        if 8 <= byte < 12:
            continue
        for bit in range(8):
            e = bytearray(n)
            e[byte] = 1 << bit
            if crc_raw(bytes(e), 0) == diff:
                single = True
                break
    seen += 1
    bad += not single
    print(f"packet {seen}: {n} bytes, stored {stored:08x} computed {calc:08x}"
          f" -> {'one bit from valid' if single else 'NOT one bit from valid'}",
          flush=True)
print(f"seen={seen} bad={bad}", flush=True)
EOF
	local pid=$!

	kp_wait_file "$KP_TMPDIR/ready" 20
	ip netns exec "$NSA" python3 - 10.76.0.2 24 <<'EOF'
import socket, sys
socks = []
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
    s.setblocking(False)
    try:
        s.connect((sys.argv[1], 9000 + i))
    except BlockingIOError:
        pass
    socks.append(s)
import time
time.sleep(2)
EOF
	wait "$pid" || kp_fail "capture failed"
	sed 's/^/# /' "$KP_TMPDIR/cap"
	out=$(tail -n 1 "$KP_TMPDIR/cap")
	kp_range "SCTP packets captured" 10 24 "$(kp_kv seen "$out")"
	kp_eq "packets not one bit from a valid CRC32c" 0 "$(kp_kv bad "$out")"
}

kp_setup
kp_tmpdir
command -v python3 >/dev/null || kp_skip "python3 not installed"
kp_plan 2
kp_netns_add "$NSA" "$NSB"
kp_run "sctp: a0 offloads CRC32c, corrupt 100%" test_setup
kp_run "sctp: every corrupted packet is one bit from a valid CRC32c" \
	test_one_bit_from_valid
kp_exit
