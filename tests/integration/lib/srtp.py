#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# srtp.py - small, independent SRTP implementation for crafting test packets.
#
# The integration tests need SRTP packets they fully control (a valid packet to
# replay, a valid packet with a flipped tag, RTP version 1/3 behind a correct
# tag) and a way to check what the data plane emits. This module implements the
# four suites the data plane supports, written from the RFCs and checked
# against libsrtp2 through ffmpeg and GStreamer:
#   - RFC 3711 §4.3 key derivation (AES-CM PRF, kdr = 0), §4.1.1 AES-CM,
#     §4.2.1 HMAC-SHA1 (80- or 32-bit tag), §3.3.1 index = ROC * 2^16 + SEQ;
#   - RFC 7714 §8 AEAD_AES_128_GCM / AEAD_AES_256_GCM (12-octet IV built from
#     SSRC, ROC, SEQ and the session salt; the RTP header is the AAD).
# As in libsrtp2, a 12-octet GCM master salt is zero-padded to 14 octets for
# the key derivation.
#
# Context: test helper; needs the 'cryptography' module (Debian python3 has it:
# run with /usr/bin/python3). The ROC is a parameter: no rollover tracking.
#
# CLI:
#   srtp.py send --suite S --key B64 --dst IP --port P [--sport P] [--count N]
#                [--ssrc X] [--seq N] [--freq HZ] [--ptime-ms 20]
#     sends N PCMU packets of a sine tone, paced in real time.
#   srtp.py selftest
#     checks the RFC 3711 Appendix B.3 key-derivation vectors.

import argparse
import base64
import hashlib
import hmac
import math
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# suite name -> (master key len, master salt len, tag len, aead)
SUITES = {
    "AES_CM_128_HMAC_SHA1_80": (16, 14, 10, False),
    "AES_CM_128_HMAC_SHA1_32": (16, 14, 4, False),
    "AEAD_AES_128_GCM": (16, 12, 16, True),
    "AEAD_AES_256_GCM": (32, 12, 16, True),
}


def _aes_ctr(key, iv16, data):
    enc = Cipher(algorithms.AES(key), modes.CTR(iv16)).encryptor()
    return enc.update(data) + enc.finalize()


def kdf(master_key, master_salt, label, length, index=0, kdr=0):
    """RFC 3711 §4.3.1/§4.3.3: AES-CM PRF over (salt XOR (label || r)) * 2^16."""
    salt = master_salt.ljust(14, b"\0")
    r = index // kdr if kdr else 0
    key_id = (label << 48) | r
    x = int.from_bytes(salt, "big") ^ key_id
    iv = (x << 16).to_bytes(16, "big")
    return _aes_ctr(master_key, iv, b"\0" * length)


def rtp_header_len(pkt):
    if len(pkt) < 12:
        raise ValueError("short RTP packet")
    cc = pkt[0] & 0x0F
    n = 12 + 4 * cc
    if pkt[0] & 0x10:
        if len(pkt) < n + 4:
            raise ValueError("short RTP extension")
        n += 4 + 4 * struct.unpack("!H", pkt[n + 2:n + 4])[0]
    if len(pkt) < n:
        raise ValueError("short RTP header")
    return n


class Context:
    """One direction of one SRTP session (RTP only)."""

    def __init__(self, suite, key_b64):
        if suite not in SUITES:
            raise ValueError("unknown suite %s" % suite)
        self.suite = suite
        klen, slen, self.tag_len, self.aead = SUITES[suite]
        raw = base64.b64decode(key_b64)
        if len(raw) != klen + slen:
            raise ValueError("%s needs %d key+salt octets, got %d" % (suite, klen + slen, len(raw)))
        mk, ms = raw[:klen], raw[klen:]
        self.k_e = kdf(mk, ms, 0, klen)
        self.k_s = kdf(mk, ms, 2, slen)
        self.k_a = None if self.aead else kdf(mk, ms, 1, 20)

    def _iv_cm(self, ssrc, index):
        v = (int.from_bytes(self.k_s, "big") << 16) ^ (ssrc << 64) ^ (index << 16)
        return (v & ((1 << 128) - 1)).to_bytes(16, "big")

    def _iv_gcm(self, ssrc, roc, seq):
        iv = struct.pack("!HIIH", 0, ssrc, roc, seq)
        return bytes(a ^ b for a, b in zip(iv, self.k_s))

    def protect(self, rtp, roc=0):
        hl = rtp_header_len(rtp)
        hdr, payload = rtp[:hl], rtp[hl:]
        seq, ssrc = struct.unpack("!H", rtp[2:4])[0], struct.unpack("!I", rtp[8:12])[0]
        if self.aead:
            return hdr + AESGCM(self.k_e).encrypt(self._iv_gcm(ssrc, roc, seq), payload, hdr)
        enc = _aes_ctr(self.k_e, self._iv_cm(ssrc, (roc << 16) | seq), payload)
        tag = hmac.new(self.k_a, hdr + enc + struct.pack("!I", roc), hashlib.sha1).digest()
        return hdr + enc + tag[: self.tag_len]

    def unprotect(self, srtp, roc=0):
        """Return the RTP packet, or raise ValueError on a bad tag."""
        if len(srtp) < 12 + self.tag_len:
            raise ValueError("short SRTP packet")
        hl = rtp_header_len(srtp[: len(srtp) - self.tag_len])
        hdr = srtp[:hl]
        seq, ssrc = struct.unpack("!H", srtp[2:4])[0], struct.unpack("!I", srtp[8:12])[0]
        if self.aead:
            try:
                return hdr + AESGCM(self.k_e).decrypt(self._iv_gcm(ssrc, roc, seq), srtp[hl:], hdr)
            except Exception as e:  # cryptography raises InvalidTag
                raise ValueError("bad GCM tag") from e
        body, tag = srtp[hl:-self.tag_len], srtp[-self.tag_len:]
        want = hmac.new(self.k_a, hdr + body + struct.pack("!I", roc), hashlib.sha1).digest()
        if not hmac.compare_digest(want[: self.tag_len], tag):
            raise ValueError("bad HMAC tag")
        return hdr + _aes_ctr(self.k_e, self._iv_cm(ssrc, (roc << 16) | seq), body)


def rtp_packet(seq, ts, ssrc, payload, pt=0, marker=False, version=2):
    b0 = (version & 3) << 6
    b1 = (0x80 if marker else 0) | (pt & 0x7F)
    return struct.pack("!BBHII", b0, b1, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


def _ulaw(sample):
    """16-bit linear -> G.711 mu-law (ITU-T G.711, as in Sun's g711.c)."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, clip) + bias
    exp = 7
    mask = 0x4000
    while exp > 0 and not sample & mask:
        exp -= 1
        mask >>= 1
    mant = (sample >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def pcmu_tone(freq, n_samples, start, rate=8000, amp=0.5):
    return bytes(_ulaw(int(amp * 32767 * math.sin(2 * math.pi * freq * (start + i) / rate)))
                 for i in range(n_samples))


def rfc3711_selftest():
    # RFC 3711 Appendix B.3
    mk = bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139")
    ms = bytes.fromhex("0EC675AD498AFEEBB6960B3AABE6")
    assert kdf(mk, ms, 0, 16).hex().upper() == "C61E7A93744F39EE10734AFE3FF7A087"
    assert kdf(mk, ms, 2, 14).hex().upper() == "30CBBC08863D8C85D49DB34A9AE1"
    assert kdf(mk, ms, 1, 20).hex().upper().startswith("CEBE321F6FF7716B6FD4AB49AF256A15")
    # round trip, every suite
    for s, (kl, sl, _, _) in SUITES.items():
        c = Context(s, base64.b64encode(bytes(range(kl + sl))).decode())
        p = rtp_packet(7, 160, 0x1234, b"hello world")
        assert c.unprotect(c.protect(p, 1), 1) == p
    print("srtp.py selftest ok")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--suite", required=True, choices=sorted(SUITES))
    s.add_argument("--key", required=True)
    s.add_argument("--dst", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--sport", type=int, default=0)
    s.add_argument("--count", type=int, default=150)
    s.add_argument("--ssrc", type=lambda v: int(v, 0), default=0x11223344)
    s.add_argument("--seq", type=int, default=1000)
    s.add_argument("--freq", type=float, default=1000.0)
    s.add_argument("--ptime-ms", type=int, default=20)
    sub.add_parser("selftest")
    a = ap.parse_args()
    if a.cmd == "selftest":
        rfc3711_selftest()
        return 0
    ctx = Context(a.suite, a.key)
    fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    sk = socket.socket(fam, socket.SOCK_DGRAM)
    if a.sport:
        sk.bind(("", a.sport))
    ns = 8 * a.ptime_ms
    t0 = time.monotonic()
    for i in range(a.count):
        seq = a.seq + i
        pkt = rtp_packet(seq, i * ns, a.ssrc, pcmu_tone(a.freq, ns, i * ns), marker=(i == 0))
        sk.sendto(ctx.protect(pkt, roc=seq >> 16), (a.dst, a.port))
        delay = t0 + (i + 1) * a.ptime_ms / 1000.0 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
