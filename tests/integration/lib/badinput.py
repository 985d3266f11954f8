#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# badinput.py - send malformed and hostile packets at a media stream (scapy).
#
# Each sub-command sends one class of bad (or edge-case) packets from the
# client namespace it runs in to DST:PORT and prints how many it sent, so the
# calling test can compare with the data plane's drop counters. Valid SRTP
# packets are built with lib/srtp.py (checked against libsrtp2).
#
# Context: test helper; run with /usr/bin/python3 (scapy, cryptography) as
# root inside a client namespace. Packets go out through the kernel's routing
# and ARP (scapy L3 send), with --sport as the UDP source port.
#
# Usage: badinput.py CMD --dst IP --port P [--sport P] [--suite S --key B64]
#                        [--seq N] [--ssrc X]
# CMD:
#   valid N         N valid SRTP packets (seq, seq+1, ...)
#   truncated       UDP payloads shorter than an RTP header, and an RTP header
#                   shorter than header + tag
#   oversized       3 UDP payloads of 1450..1472 bytes (RTP v2 header, random)
#   garbage         5 random payloads whose first byte is not RTP version 2
#   version         valid SRTP tags over RTP version 1 and 3 headers (2 pkts)
#   badtag          a valid packet with its last tag byte flipped, and one with
#                   a payload byte flipped (2 pkts)
#   replay          one valid packet, then the same bytes twice more (3 pkts,
#                   the first is valid)
#   fragments       one valid SRTP packet in two IPv4 fragments
#   ipoptions       one valid SRTP packet in an IPv4 header with options
#   ipbad           an IPv4 header whose total length exceeds the frame
#                   (L2; --iface/--dmac/--src to inject from another namespace)
#   udp PORT...     one small UDP datagram to each PORT (unknown ports)

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import srtp  # noqa: E402

from scapy.all import (IP, UDP, Ether, IPOption_NOP, IPOption_Router_Alert, Raw, conf,  # noqa: E402
                       fragment, getmacbyip, send, sendp)

conf.verb = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sport", type=int, default=5002)
    ap.add_argument("--suite", default="AES_CM_128_HMAC_SHA1_80")
    ap.add_argument("--key")
    ap.add_argument("--seq", type=int, default=1)
    ap.add_argument("--ssrc", type=lambda v: int(v, 0), default=0x0BADC0DE)
    ap.add_argument("--src", help="source IP (ipbad with --iface)")
    ap.add_argument("--iface", help="ipbad: send on this interface (L2) instead of routing")
    ap.add_argument("--dmac", help="ipbad: destination MAC with --iface")
    a = ap.parse_args()
    rnd = random.Random(a.seq)
    ctx = srtp.Context(a.suite, a.key) if a.key else None

    def rtp(seq, version=2, payload_len=160):
        return srtp.rtp_packet(seq, seq * 160, a.ssrc, srtp.pcmu_tone(1000, payload_len, seq * 160),
                               version=version)

    def valid(seq, version=2, payload_len=160):
        return ctx.protect(rtp(seq, version, payload_len), roc=0)

    def udp(payload, dport=None, ip=None):
        ip = ip if ip is not None else IP(dst=a.dst)
        return ip / UDP(sport=a.sport, dport=dport or a.port) / Raw(payload)

    pkts = []
    c = a.cmd
    if c == "valid":
        n = int(a.args[0]) if a.args else 1
        pkts = [udp(valid(a.seq + i)) for i in range(n)]
    elif c == "truncated":
        pkts = [udp(b""), udp(b"\x80"), udp(b"\x80\x00\x00\x01"), udp(bytes(8)[:0] + b"\x80" * 8),
                udp(b"\x80\x00" + bytes(9)),
                # 12-byte RTP header + 5 bytes: shorter than header + 10-byte tag
                udp(srtp.rtp_packet(a.seq, 0, a.ssrc, b"")[:12] + b"\x01" * 5),
                # header announcing 15 CSRCs but carrying none
                udp(b"\x8f\x00" + a.seq.to_bytes(2, "big") + bytes(8) + bytes(10))]
    elif c == "oversized":
        for n in (1450, 1460, 1472):
            hdr = srtp.rtp_packet(a.seq, 0, a.ssrc, b"")
            pkts.append(udp(hdr + rnd.randbytes(n - len(hdr))))
    elif c == "garbage":
        for i in range(5):
            b = bytearray(rnd.randbytes(rnd.randint(20, 200)))
            b[0] = (b[0] & 0x3F) | ((0, 1, 3)[i % 3] << 6)  # version 0, 1 or 3
            pkts.append(udp(bytes(b)))
    elif c == "version":
        pkts = [udp(valid(a.seq, version=1)), udp(valid(a.seq + 1, version=3))]
    elif c == "badtag":
        p = bytearray(valid(a.seq))
        p[-1] ^= 0x01
        q = bytearray(valid(a.seq + 1))
        q[20] ^= 0x80
        pkts = [udp(bytes(p)), udp(bytes(q))]
    elif c == "replay":
        p = valid(a.seq)
        pkts = [udp(p), udp(p), udp(p)]
    elif c == "fragments":
        whole = udp(valid(a.seq, payload_len=400))
        whole = IP(bytes(whole))  # fill in lengths and checksums
        pkts = fragment(whole, fragsize=200)
        assert len(pkts) >= 2
    elif c == "ipoptions":
        pkts = [udp(valid(a.seq), ip=IP(dst=a.dst, options=[IPOption_Router_Alert(), IPOption_NOP(),
                                                              IPOption_NOP(), IPOption_NOP(),
                                                              IPOption_NOP()]))]
    elif c == "ipbad":
        # The kernel rewrites tot_len on raw IP sockets: send this one at L2.
        # The lab bridge drops such frames (br_netfilter validates IPv4
        # headers when bridge-nf-call-iptables=1), so the test injects this
        # from the LAN namespace straight into the node's veth.
        ip = IP(dst=a.dst, src=a.src) if a.src else IP(dst=a.dst)
        p = IP(bytes(udp(valid(a.seq), ip=ip)))
        p.len = p.len + 200
        del p.chksum
        mac = a.dmac or getmacbyip(a.dst)
        if not mac:
            print("badinput.py: cannot resolve %s" % a.dst, file=sys.stderr)
            return 1
        sendp(Ether(dst=mac) / IP(bytes(p)), iface=a.iface or conf.route.route(a.dst)[0])
        print(1)
        return 0
    elif c == "udp":
        pkts = [udp(b"hello unknown port", dport=int(port)) for port in a.args]
    else:
        print("badinput.py: unknown command %s" % c, file=sys.stderr)
        return 2
    for p in pkts:
        send(p)
    print(len(pkts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
