#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
"""Write the seed corpora of the fuzz targets (run once; the seeds are committed)."""
import os
import struct

here = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def rtp(seq, pt=0, cc=0, ext=False, pad=0, plen=160):
    b0 = 0x80 | cc | (0x10 if ext else 0) | (0x20 if pad else 0)
    h = struct.pack("!BBHII", b0, pt, seq, seq * 160, 0x11223344)
    h += b"".join(struct.pack("!I", i) for i in range(cc))
    if ext:
        h += struct.pack("!HH", 0xBEDE, 1) + b"\x10\x01\x00\x00"
    body = bytes(i & 0xFF for i in range(plen))
    if pad:
        body += b"\x00" * (pad - 1) + bytes([pad])
    return h + body


mac_node = bytes.fromhex("020000000001")
mac_c1 = bytes.fromhex("020000000011")
ip_node = bytes([198, 18, 0, 1])
ip_c1 = bytes([198, 18, 0, 11])

arp = (mac_node.replace(mac_node, b"\xff" * 6) + mac_c1 + b"\x08\x06" +
       struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac_c1 + ip_c1 + b"\x00" * 6 + ip_node)
icmp = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"x" * 32
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0, ip_c1, ip_node)

# First byte: 0 = raw frame; otherwise ports[byte % 7] of fuzz_dp_pkt.c:
# 1 AES-CM 40010, 2 GCM-256 40020, 3 AES-CM-32 40030, 4 its RTCP port 40031,
# 5 IPv6 GCM 40040, 6 conference participant 40050, 7 plain 40000.
seeds = {
    "raw_arp": b"\x00" + arp,
    "raw_icmp": b"\x00" + mac_node + mac_c1 + b"\x08\x00" + ip + icmp,
    "plain_rtp": b"\x07" + rtp(1),
    "plain_rtp_csrc_ext_pad": b"\x07" + rtp(2, cc=2, ext=True, pad=4),
    "plain_rtcp_sr": b"\x07" + struct.pack("!BBHI", 0x80, 200, 6, 0x11223344) + b"\x00" * 20,
    "aescm_rtp": b"\x01" + rtp(3) + b"\x00" * 10,
    "gcm_rtp": b"\x02" + rtp(4) + b"\x00" * 16,
    "nomux_rtcp": b"\x04" + struct.pack("!BBHI", 0x80, 201, 1, 1) + b"\x00" * 18,
    "v6_rtp": b"\x05" + rtp(5) + b"\x00" * 16,
    "conf_pcmu": b"\x06" + rtp(6),
    "conf_dtmf": b"\x06" + struct.pack("!BBHII", 0x80, 101, 7, 960, 0x11223344) + bytes([5, 0x8a, 0, 160]),
    "short": b"\x07\x80",
}
for k, v in seeds.items():
    put("fuzz_dp_pkt", k, v)

reqs = [
    '{"v":1,"id":1,"op":"ping"}',
    '{"v":1,"id":2,"op":"stream.create","args":{"local_ip":"198.18.0.1","local_port":40000,'
    '"remote_ip":"198.18.0.12","remote_port":5004,"rtcp_mux":false,"dscp":46,'
    '"srtp_in":{"suite":"AES_CM_128_HMAC_SHA1_80","key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"}}}',
    '{"v":1,"id":3,"op":"stream.update","args":{"stream_id":0,"latch":false,"relay_to":0,'
    '"srtp_out":{"suite":"AEAD_AES_128_GCM","key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="}}}',
    '{"v":1,"id":4,"op":"stream.stats","args":{"stream_id":0}}',
    '{"v":1,"id":5,"op":"stream.list","args":{"offset":0,"limit":10}}',
    '{"v":1,"id":6,"op":"stream.delete","args":{"stream_id":0}}',
    '{"v":1,"id":7,"op":"port.stats"}',
    '{"v":1,"id":"x","op":"lcore.stats","args":{}}',
]
for i, r in enumerate(reqs):
    put("fuzz_dp_ctl", "req%d" % i, r.encode())

# fuzz_dp_esp: first byte 0/1 = raw ESP after an IPv4/IPv6 header from the
# SAs' peer; 2..255 = inner UDP datagram sealed by a valid peer (byte % 3:
# GCM+ESN v4, CBC+HMAC v4, GCM+ESN v6), second byte = sequence jump.
def udp(dport, payload, sport=6000):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


esp_seeds = {
    "raw_gcm_v4": b"\x00" + struct.pack("!II", 0x1001, 1) + bytes(8) + bytes(range(64)) + bytes(16),
    "raw_cbc_v4": b"\x00" + struct.pack("!II", 0x1002, 7) + bytes(16) + bytes(64) + bytes(32),
    "raw_gcm_v6": b"\x01" + struct.pack("!II", 0x1003, 1) + bytes(8) + bytes(48) + bytes(16),
    "raw_wrong_spi": b"\x00" + struct.pack("!II", 0xdead, 1) + bytes(40),
    "raw_short": b"\x00" + struct.pack("!I", 0x1001),
    "sealed_gcm_rtp": b"\x03\x01" + udp(40000, rtp(1)),
    "sealed_cbc_rtp": b"\x04\x01" + udp(40000, rtp(2)),
    "sealed_v6_rtp": b"\x05\x01" + udp(40010, rtp(3)),
    "sealed_gcm_tcp": b"\x0b\x01" + udp(40000, rtp(4)),
    "sealed_gcm_flip": b"\x83\x20" + udp(40000, rtp(5)),
    "sealed_gcm_jump": b"\x03\xff" + udp(40000, rtp(6)),
}
for k, v in esp_seeds.items():
    put("fuzz_dp_esp", k, v)

esp_reqs = [
    '{"v":1,"id":1,"op":"esp.sa_add","args":{"spi":4096,"direction":"out","cipher":"aes256gcm",'
    '"key":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","salt":"c0c1c2c3",'
    '"local":"198.18.0.1","remote":"198.18.0.21","esn":true,"replay_window":1024,'
    '"lifetime_bytes":1000000,"lifetime_seconds":3600}}',
    '{"v":1,"id":2,"op":"esp.sa_add","args":{"spi":4097,"direction":"in",'
    '"cipher":"aes256cbc-hmacsha512","key":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",'
    '"auth_key":"' + "ab" * 64 + '","local":"198.18.0.1","remote":"198.18.0.21"}}',
    '{"v":1,"id":3,"op":"esp.sa_rekey","args":{"spi":4096,"direction":"out","new_spi":4098,'
    '"key":"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf","salt":"d0d1d2d3"}}',
    '{"v":1,"id":4,"op":"esp.sa_stats","args":{"spi":4096,"direction":"out"}}',
    '{"v":1,"id":5,"op":"esp.sa_list","args":{"offset":0,"limit":10}}',
    '{"v":1,"id":6,"op":"esp.sa_switch","args":{"spi":4098,"new_spi":4096}}',
    '{"v":1,"id":7,"op":"esp.sa_del","args":{"spi":4097,"direction":"in"}}',
]
for i, r in enumerate(esp_reqs):
    put("fuzz_dp_ctl", "esp%d" % i, r.encode())


# fuzz_codec_decode, G.729 (first byte 0x10): records of
# [sel][seq:2][ts:4][dt ms][len][payload], sel bit 2 = tick after the record.
def g729_rec(seq, payload, sel=0x04, dt=20):
    return struct.pack("!BHIBB", sel, seq & 0xFFFF, (seq * 160) & 0xFFFFFFFF, dt,
                       len(payload)) + payload


def g729_frame(k):
    return bytes((k * 37 + i * 11) & 0xFF for i in range(10))


sid = bytes([0x14, 0x88])
# 0: two speech frames per packet, steady.
put("fuzz_codec_decode", "g729-0",
    b"\x10" + b"".join(g729_rec(s, g729_frame(2 * s) + g729_frame(2 * s + 1)) for s in range(60)))
# 1: speech, speech + SID, SID alone, a DTX gap, 10 ms packets, a loss and a reorder.
recs = [g729_rec(s, g729_frame(2 * s) + g729_frame(2 * s + 1)) for s in range(20)]
recs += [g729_rec(20, g729_frame(40) + sid), g729_rec(21, sid), g729_rec(22, sid, dt=160)]
recs += [g729_rec(s, g729_frame(s)) for s in range(30, 40)]
recs += [g729_rec(41, g729_frame(1) * 2), g729_rec(40, g729_frame(2) * 2)]
put("fuzz_codec_decode", "g729-1", b"\x10" + b"".join(recs))
# 2: 40 ms packets (split into 20 ms frames), telephone-events, bad lengths.
recs = [g729_rec(2 * s, b"".join(g729_frame(4 * s + i) for i in range(4)), dt=40)
        for s in range(15)]
recs += [g729_rec(40, struct.pack("!BBH", 5, 10, 400), sel=0x05)]
recs += [g729_rec(41, g729_frame(3)[:7]), g729_rec(42, g729_frame(3) * 3 + sid)]
put("fuzz_codec_decode", "g729-2", b"\x10" + b"".join(recs))
