#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# ping.py - minimal ICMP/ICMPv6 echo client for the integration tests.
#
# The test machines have no iputils-ping, so the tests use this instead. It
# sends COUNT echo requests over a raw socket (root) and reports received,
# lost and duplicate replies; duplicates matter because a misconfigured
# exception path makes both the data plane and the kernel answer.
#
# Context: test helper, standard library only, runs inside a client netns.
#
# Usage: ping.py [-6] [-c COUNT] [-i INTERVAL] [-W TIMEOUT] [-s SIZE] ADDR
# Exit status: 0 when every request got exactly one reply, 1 otherwise
# (--allow-loss N tolerates N lost replies; duplicates always fail unless
# --allow-dup).

import argparse
import os
import select
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-6", dest="v6", action="store_true")
    ap.add_argument("-c", dest="count", type=int, default=3)
    ap.add_argument("-i", dest="interval", type=float, default=0.2)
    ap.add_argument("-W", dest="timeout", type=float, default=1.0)
    ap.add_argument("-s", dest="size", type=int, default=56)
    ap.add_argument("--allow-loss", type=int, default=0)
    ap.add_argument("--allow-dup", action="store_true")
    ap.add_argument("-q", dest="quiet", action="store_true")
    ap.add_argument("addr")
    a = ap.parse_args()

    if a.v6 or ":" in a.addr:
        fam, proto, req_type, rep_type = socket.AF_INET6, socket.IPPROTO_ICMPV6, 128, 129
    else:
        fam, proto, req_type, rep_type = socket.AF_INET, socket.IPPROTO_ICMP, 8, 0
    s = socket.socket(fam, socket.SOCK_RAW, proto)
    ident = os.getpid() & 0xFFFF
    sent = {}
    replies = {}
    rtts = []
    payload_base = bytes((i & 0xFF for i in range(max(a.size - 8, 0))))

    def send(seq):
        payload = struct.pack("!d", time.time()) + payload_base
        hdr = struct.pack("!BBHHH", req_type, 0, 0, ident, seq)
        pkt = hdr + payload
        if fam == socket.AF_INET:  # the kernel computes the ICMPv6 checksum
            pkt = struct.pack("!BBHHH", req_type, 0, csum(pkt), ident, seq) + payload
        s.sendto(pkt, (a.addr, 0))
        sent[seq] = time.monotonic()

    def receive(deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([s], [], [], left)
            if not r:
                return
            data, src = s.recvfrom(65535)
            if src[0] != a.addr and socket.inet_pton(fam, src[0]) != socket.inet_pton(fam, a.addr):
                continue
            if fam == socket.AF_INET:
                data = data[(data[0] & 0x0F) * 4:]
            if len(data) < 8:
                continue
            typ, _, _, rid, seq = struct.unpack("!BBHHH", data[:8])
            if typ != rep_type or rid != ident or seq not in sent:
                continue
            replies[seq] = replies.get(seq, 0) + 1
            if replies[seq] == 1:
                rtts.append((time.monotonic() - sent[seq]) * 1000)

    for seq in range(1, a.count + 1):
        send(seq)
        receive(time.monotonic() + (a.interval if seq < a.count else a.timeout))
    lost = sum(1 for q in sent if q not in replies)
    dup = sum(n - 1 for n in replies.values() if n > 1)
    rtt = ("rtt avg %.3f ms" % (sum(rtts) / len(rtts))) if rtts else "no rtt"
    if not a.quiet:
        print("# %s: %d sent, %d received, %d lost, %d duplicate, %s"
              % (a.addr, len(sent), len(replies), lost, dup, rtt))
    ok = lost <= a.allow_loss and (a.allow_dup or dup == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
