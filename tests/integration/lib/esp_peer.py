#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# esp_peer.py - an independent ESP peer for the data plane, on scapy's IPsec
# layer (scapy.layers.ipsec: AES-GCM per RFC 4106, AES-CBC with
# HMAC-SHA2-512-256 per RFC 4868, ESN), plus plain UDP/RTP helpers.
#
# Context: test helper; run with /usr/bin/python3 (Debian's scapy and
# cryptography) as root inside a lab namespace.
#
# An SA is given as one string:  SPI:CIPHER:KEYHEX[:SALT_OR_AUTHKEYHEX][:esn]
#   CIPHER gcm (key 32 octets, salt 4) or cbc (key 32, HMAC key 64); the
#   optional last field "esn" turns on 64-bit sequence numbers (high bits 0).
#
# Commands (each prints one JSON object on stdout):
#   send   --sa SA --src A --dst B --dport P [--sport P] [--count N] [--seq S]
#          [--rtp-seq R] [--size BYTES] [--mode valid|tamper|replay|wrongspi|
#          truncate|tcp] [--gap SECONDS]
#          ESP transport-mode packets carrying UDP (RTP with sequence numbers
#          R, R+1, ...). tamper flips one ciphertext bit, replay sends each
#          packet twice, wrongspi uses SPI+1, truncate cuts the ESP part to 10
#          octets, tcp carries a TCP segment instead of UDP.
#          -> {"sent": N}
#   sniff  --iface IF --src A --sa SA [--sa SA ...] --seconds T [--pcap FILE]
#          [--dport P]
#          Capture ESP from A for T seconds (or until interrupted), decrypt
#          each packet with the SA of its SPI (ICV checked by scapy), check
#          the inner UDP/RTP payload pattern.
#          -> {"esp": n, "ok": n, "bad": n, "by_spi": {spi: n}, "rtp_seqs": [...]}
#   udpsend --dst B --dport P [--sport P] --count N [--rtp-seq R] [--size B]
#          [--gap SECONDS]   plain RTP over a kernel UDP socket -> {"sent": N}
#   udprecv --bind A --port P --seconds T   count and check plain RTP
#          -> {"ok": n, "bad": n, "rtp_seqs": [...]}

import argparse
import hashlib
import hmac
import json
import signal
import socket
import struct
import sys
import time

from scapy.all import IP, TCP, UDP, AsyncSniffer, Raw, conf, send, wrpcap  # noqa: E402
from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402

conf.verb = 0
SSRC = 0x5EC0DE01


def rtp(seq, size):
    """An RTP packet of @size octets whose payload is a function of @seq."""
    body = bytes((seq * 7 + i) & 0xFF for i in range(max(0, size - 12)))
    return struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, seq * 160, SSRC) + body


def rtp_check(data):
    """@return the RTP sequence number if @data matches rtp(), else None."""
    if len(data) < 12 or data[0] != 0x80:
        return None
    seq = struct.unpack("!H", data[2:4])[0]
    return seq if data == rtp(seq, len(data)) else None


def parse_sa(spec):
    f = spec.split(":")
    spi, cipher, key = int(f[0], 0), f[1], bytes.fromhex(f[2])
    esn = f[-1] == "esn"
    extra = bytes.fromhex(f[3]) if len(f) > 3 and f[3] != "esn" else b""
    if cipher == "gcm":
        sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key + extra,
                                 auth_algo="NULL", esn_en=esn, esn=0)
    elif cipher == "cbc":
        sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-CBC", crypt_key=key,
                                 auth_algo="SHA2-512-256", auth_key=extra, esn_en=esn, esn=0)
    else:
        raise SystemExit("unknown cipher " + cipher)
    sa.tsr_hmac_esn = extra if cipher == "cbc" and esn else None
    return spi, sa


# scapy 2.5 leaves the ESN high bits out of the ESP HMAC (its sign()/verify()
# get no esn for ESP, only for AH), against RFC 4303 section 2.2.1. For
# CBC+HMAC with ESN the ICV is therefore done here with Python's hmac: the
# high bits (0: our tests stay below 2^32) are hashed after the ciphertext.
def esn_icv(auth_key, esp_wo_icv, seq_hi=0):
    return hmac.new(auth_key, esp_wo_icv + struct.pack("!I", seq_hi), hashlib.sha512).digest()[:32]


def esn_sign(sa, raw_ip):
    ihl = (raw_ip[0] & 0x0F) * 4
    body = bytes(raw_ip[ihl:-32])
    return bytearray(bytes(raw_ip[:ihl]) + body + esn_icv(sa.tsr_hmac_esn, body))


def esn_verify(sa, ip):
    esp = bytes(ip[ESP])
    return hmac.compare_digest(esp[-32:], esn_icv(sa.tsr_hmac_esn, esp[:-32]))


def cmd_send(a):
    spi, sa = parse_sa(a.sa[0])
    if a.mode == "wrongspi":
        sa.spi = spi + 1
    pkts = []
    for i in range(a.count):
        seq = a.seq + i
        inner = UDP(sport=a.sport, dport=a.dport) / Raw(rtp(a.rtp_seq + i, a.size))
        if a.mode == "tcp":
            inner = TCP(sport=a.sport, dport=a.dport, flags="A") / Raw(rtp(a.rtp_seq + i, a.size))
        p = sa.encrypt(IP(src=a.src, dst=a.dst) / inner, seq_num=seq)
        raw = bytearray(bytes(p))
        if sa.tsr_hmac_esn is not None:
            raw = esn_sign(sa, raw)
        if a.mode == "tamper":
            raw[-20] ^= 0x04  # inside the ciphertext (GCM) or the ICV (CBC): either must fail
        if a.mode == "truncate":
            raw = raw[:20 + 10]
            raw[2:4] = struct.pack("!H", len(raw))
            raw[10:12] = b"\x00\x00"
        p = IP(bytes(raw))
        if a.mode == "truncate":
            del p.chksum
            p = IP(bytes(p))
        pkts.append(p)
        if a.mode == "replay":
            pkts.append(p)
    for p in pkts:
        send(p)
        if a.gap:
            time.sleep(a.gap)
    print(json.dumps({"sent": len(pkts)}))


def cmd_sniff(a):
    sas = dict(parse_sa(s) for s in a.sa)
    res = {"esp": 0, "ok": 0, "bad": 0, "by_spi": {}, "rtp_seqs": []}
    frames = []

    def on_pkt(p):
        if IP not in p or p[IP].proto != 50 or p[IP].src != a.src:
            return
        frames.append(p.copy())  # decrypt() below takes the payload away
        res["esp"] += 1
        spi = p[ESP].spi
        res["by_spi"][str(spi)] = res["by_spi"].get(str(spi), 0) + 1
        sa = sas.get(spi)
        try:
            if sa is not None and sa.tsr_hmac_esn is not None:
                d = sa.decrypt(p[IP], verify=False) if esn_verify(sa, p[IP]) else None
            else:
                d = sa.decrypt(p[IP]) if sa else None
        except Exception:  # ICV mismatch, bad padding: scapy raises
            d = None
        seq = None
        if d is not None and UDP in d and (a.dport is None or d[UDP].dport == a.dport):
            seq = rtp_check(bytes(d[UDP].payload))
        if seq is None:
            res["bad"] += 1
        else:
            res["ok"] += 1
            res["rtp_seqs"].append(seq)

    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
    signal.signal(signal.SIGINT, lambda *_: stop.update(flag=True))
    sn = AsyncSniffer(iface=a.iface, filter="ip proto 50", prn=on_pkt, store=False)
    sn.start()
    end = time.time() + a.seconds
    while time.time() < end and not stop["flag"]:
        time.sleep(0.05)
    time.sleep(0.2)  # let the last frames in
    sn.stop()
    if a.pcap:
        wrpcap(a.pcap, frames)
    print(json.dumps(res))


def cmd_udpsend(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", a.sport))
    for i in range(a.count):
        s.sendto(rtp(a.rtp_seq + i, a.size), (a.dst, a.dport))
        if a.gap:
            time.sleep(a.gap)
    print(json.dumps({"sent": a.count}))


def cmd_udprecv(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((a.bind, a.port))
    s.settimeout(0.2)
    res = {"ok": 0, "bad": 0, "rtp_seqs": []}
    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
    signal.signal(signal.SIGINT, lambda *_: stop.update(flag=True))
    end = time.time() + a.seconds
    while time.time() < end and not stop["flag"]:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        seq = rtp_check(data)
        if seq is None:
            res["bad"] += 1
        else:
            res["ok"] += 1
            res["rtp_seqs"].append(seq)
    print(json.dumps(res))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["send", "sniff", "udpsend", "udprecv"])
    ap.add_argument("--sa", action="append", default=[])
    ap.add_argument("--src")
    ap.add_argument("--dst")
    ap.add_argument("--bind")
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--sport", type=int, default=5002)
    ap.add_argument("--dport", type=int)
    ap.add_argument("--port", type=int)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--seq", type=int, default=1)
    ap.add_argument("--rtp-seq", type=int, default=0)
    ap.add_argument("--size", type=int, default=172)
    ap.add_argument("--mode", default="valid",
                    choices=["valid", "tamper", "replay", "wrongspi", "truncate", "tcp"])
    ap.add_argument("--gap", type=float, default=0.0)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--pcap")
    a = ap.parse_args()
    {"send": cmd_send, "sniff": cmd_sniff, "udpsend": cmd_udpsend, "udprecv": cmd_udprecv}[a.cmd](a)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
