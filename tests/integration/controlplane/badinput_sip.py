#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
"""Send broken SIP requests and SDP offers to tessera-node and judge each answer.

Stdlib only. Every case is one INVITE (or another request) built from a
template and then broken in one way: headers missing, huge or repeated,
Content-Length wrong or negative, SDP with unknown crypto suites, invalid
ports, addresses or payload types, binary garbage. Each is sent on its own
(one UDP datagram, or a fresh TCP connection), the answer for its Call-ID is
collected until a final response or the timeout, and then an OPTIONS probe
must get 200 (the node is alive). A case passes when the outcome is one of
the allowed ones ("drop" = no answer, or the connection closed). A 2xx that
slips through is ACKed and hung up so no call is left behind.

Usage: badinput_sip.py NODE_ADDR PORT udp|tcp [--alias open] [--timeout 2]
Last line printed: 'N passed, N failed'.
"""
import argparse
import random
import re
import socket
import string
import sys
import time


def rnd(n=10):
    return ''.join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


SDP = ("v=0\r\no=x 1 1 IN IP4 {me}\r\ns=-\r\nc=IN IP4 {me}\r\nt=0 0\r\n"
       "m=audio 17000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\n")
KEY = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAoZ"


def sdp_savp(suite, key=KEY):
    return ("v=0\r\no=x 1 1 IN IP4 {me}\r\ns=-\r\nc=IN IP4 {me}\r\nt=0 0\r\n"
            "m=audio 17000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            "a=crypto:1 %s inline:%s\r\n" % (suite, key))


def build(c, me, node, port, tp, alias):
    """The request bytes of case @c (a dict), and its Call-ID."""
    cid = "bad-" + rnd()
    body = c.get("body", SDP).format(me=me).encode("latin-1") if c.get("body", SDP) else b""
    ruri = c.get("ruri", "sip:%s@%s:%d;transport=%s" % (alias, node, port, tp))
    hdrs = [
        ("Via", "SIP/2.0/%s %s:5099;rport;branch=z9hG4bK%s" % (tp.upper(), me, rnd())),
        ("From", "<sip:bad@%s>;tag=%s" % (me, rnd(6))),
        ("To", "<sip:%s@%s>" % (alias, node)),
        ("Call-ID", cid),
        ("CSeq", "1 %s" % c.get("method", "INVITE")),
        ("Contact", "<sip:bad@%s:5099;transport=%s>" % (me, tp)),
        ("Max-Forwards", "70"),
        ("Content-Type", "application/sdp"),
        ("Content-Length", str(len(body))),
    ]
    for name in c.get("drop", []):
        hdrs = [h for h in hdrs if h[0] != name]
    for name, val in c.get("set", {}).items():
        hdrs = [(n, val if n == name else v) for n, v in hdrs]
    hdrs += c.get("add", [])
    first = c.get("first", "%s %s SIP/2.0" % (c.get("method", "INVITE"), ruri))
    head = first + "\r\n" + "".join("%s: %s\r\n" % h for h in hdrs) + "\r\n"
    msg = head.encode("latin-1") + body + c.get("tail", b"")
    if "raw" in c:
        msg = c["raw"]
    return msg, cid


def cases():
    big = "x" * 70000
    many = [("X-Filler-%d" % i, "y" * 20) for i in range(1000)]
    deny2xx = ["drop", 400, 404, 413, 415, 480, 483, 488, 493, 500, 501, 505, 513]
    c = [
        {"name": "no Call-ID", "drop": ["Call-ID"], "ok": ["drop", 400]},
        {"name": "no CSeq", "drop": ["CSeq"], "ok": ["drop", 400]},
        {"name": "no From", "drop": ["From"], "ok": ["drop", 400]},
        {"name": "no To", "drop": ["To"], "ok": ["drop", 400]},
        {"name": "no Via", "drop": ["Via"], "ok": ["drop"]},
        {"name": "no Max-Forwards (allowed, RFC 3261 8.1.1.6 SHOULD)", "drop": ["Max-Forwards"],
         "ok": [200]},
        # Legal if large: UDP cannot carry it (dropped), over TCP sofia takes it.
        {"name": "70 KB header value", "add": [("Subject", big)],
         "ok": ["drop", 400, 413, 513, 200]},
        {"name": "1000 headers", "add": many, "ok": ["drop", 400, 413, 513, 200]},
        {"name": "CSeq method differs from the request's", "set": {"CSeq": "1 BYE"},
         "ok": ["drop", 400]},
        {"name": "CSeq not a number", "set": {"CSeq": "abc INVITE"}, "ok": ["drop", 400]},
        {"name": "Content-Length negative", "set": {"Content-Length": "-5"}, "ok": ["drop", 400]},
        {"name": "Content-Length huge", "set": {"Content-Length": "99999999999"},
         "ok": ["drop", 400, 413]},
        {"name": "Content-Length longer than the body", "set": {"Content-Length": "5000"},
         "ok": ["drop", 400]},
        {"name": "Content-Length shorter than the body", "set": {"Content-Length": "40"},
         "ok": ["drop", 400, 488]},
        {"name": "SIP/3.0", "first": "INVITE sip:x@{node} SIP/3.0", "ok": ["drop", 400, 505]},
        {"name": "garbage request-URI", "ruri": "sip:%%%%@@@::", "ok": ["drop", 400, 404, 416]},
        {"name": "unknown method", "method": "FROB", "body": "", "ok": ["drop", 405, 501]},
        {"name": "Max-Forwards not a number", "set": {"Max-Forwards": "lots"},
         "ok": ["drop", 400]},
        {"name": "binary junk", "raw": bytes(random.getrandbits(8) for _ in range(700)),
         "ok": ["drop", 400]},
        {"name": "NUL bytes in headers", "add": [("Subject", "a\x00b")], "ok": ["drop", 400]},
        # SDP bodies
        {"name": "SDP: unknown crypto suite only", "body": sdp_savp("AES_CM_999_HMAC_SHA9_1"),
         "ok": [488]},
        {"name": "SDP: crypto key not base64", "body": sdp_savp("AES_CM_128_HMAC_SHA1_80",
                                                                "!!!!notbase64!!!!"),
         "ok": [488, 400]},
        {"name": "SDP: crypto key too short", "body": sdp_savp("AES_CM_128_HMAC_SHA1_80", "QUFB"),
         "ok": [488, 400]},
        {"name": "SDP: port 70000", "body": SDP.replace("17000", "70000"), "ok": [400, 488]},
        {"name": "SDP: port not a number", "body": SDP.replace("17000", "abc"), "ok": [400, 488]},
        {"name": "SDP: port 0 (audio refused)", "body": SDP.replace("17000", "0"), "ok": [488]},
        {"name": "SDP: no m-line", "body": "v=0\r\no=x 1 1 IN IP4 {me}\r\ns=-\r\nt=0 0\r\n",
         "ok": [400, 488]},
        {"name": "SDP: bad connection address",
         "body": SDP.replace("c=IN IP4 {me}", "c=IN IP4 999.1.1.1"), "ok": [400, 488]},
        {"name": "SDP: only unknown payload types",
         "body": SDP.replace("RTP/AVP 0 101", "RTP/AVP 96 97").replace(
             "a=rtpmap:0 PCMU/8000", "a=rtpmap:96 FOO/8000"), "ok": [488]},
        {"name": "SDP: payload type 300", "body": SDP.replace("RTP/AVP 0 101", "RTP/AVP 300"),
         "ok": [400, 488]},
        # Legal if large (an unknown attribute): the call may be answered.
        {"name": "SDP: 60 KB of attributes", "body": SDP + "a=x-pad:" + "z" * 60000 + "\r\n",
         "ok": ["drop", 400, 413, 488, 513, 200]},
        {"name": "SDP: NUL and control bytes", "body": SDP.replace("s=-", "s=\x00\x01\x02"),
         "ok": [400, 488]},
        {"name": "SDP: garbage body", "body": "this is not SDP at all\r\n", "ok": [400, 488]},
        {"name": "SDP: unknown transport", "body": SDP.replace("RTP/AVP", "UDP/TLS/RTP/SAVPF"),
         "ok": [488]},
        {"name": "Content-Type unknown", "set": {"Content-Type": "application/x-frob"},
         "ok": [415, 400, 488]},
    ]
    for x in c:
        x.setdefault("ok", deny2xx)
    return c


class Conn:
    def __init__(self, node, port, tp, timeout):
        self.node, self.port, self.tp, self.timeout = node, port, tp, timeout
        if tp == "udp":
            self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.s.bind(("", 5099))
            self.s.connect((node, port))
        else:
            self.s = socket.create_connection((node, port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        try:
            self.s.sendall(data)
        except OSError:
            pass

    def replies(self, cid, until):
        """Statuses of responses for @cid until a final one, the deadline or EOF."""
        got = []
        while time.time() < until:
            self.s.settimeout(max(0.01, until - time.time()))
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                got.append("closed")
                break
            if not data:
                got.append("closed")
                break
            self.buf += data
            while b"\r\n\r\n" in self.buf:
                head, rest = self.buf.split(b"\r\n\r\n", 1)
                m = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.I)
                n = int(m.group(1)) if m else 0
                if len(rest) < n:
                    break
                msg, self.buf = head + b"\r\n\r\n" + rest[:n], rest[n:]
                st = re.match(rb"SIP/2\.0 (\d{3})", msg)
                if st and cid.encode() in msg:
                    got.append((int(st.group(1)), msg))
                    if int(st.group(1)) >= 200:
                        return got
                elif not st:
                    # A request from the node (e.g. BYE): answer 200 so it goes away.
                    self.answer(msg)
        return got

    def answer(self, req):
        head = req.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        keep = [h for h in head[1:] if re.match(rb"(via|from|to|call-id|cseq|v|f|t|i)\s*:", h, re.I)]
        self.send(b"SIP/2.0 200 OK\r\n" + b"\r\n".join(keep) + b"\r\nContent-Length: 0\r\n\r\n")

    def close(self):
        self.s.close()


def hang_up(conn, me, resp):
    """ACK and BYE a 2xx that got through (the To tag and Call-ID from the response)."""
    h = resp.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    get = lambda n: (re.search(r"\r\n%s:\s*([^\r\n]*)" % n, h, re.I) or [None, ""])[1]
    for method, cseq in (("ACK", "1 ACK"), ("BYE", "2 BYE")):
        conn.send(("%s sip:%s:%d;transport=%s SIP/2.0\r\nVia: SIP/2.0/%s %s:5099;branch=z9hG4bK%s\r\n"
                   "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\nMax-Forwards: 70\r\n"
                   "Content-Length: 0\r\n\r\n" % (method, conn.node, conn.port, conn.tp,
                                                   conn.tp.upper(), me, rnd(), get("From"),
                                                   get("To"), get("Call-ID"), cseq)).encode())
    conn.replies(get("Call-ID"), time.time() + 1)


def alive(node, port, tp, me, timeout):
    c = Conn(node, port, tp, timeout)
    cid = "probe-" + rnd()
    c.send(("OPTIONS sip:%s:%d SIP/2.0\r\nVia: SIP/2.0/%s %s:5099;rport;branch=z9hG4bK%s\r\n"
            "From: <sip:probe@%s>;tag=%s\r\nTo: <sip:%s>\r\nCall-ID: %s\r\nCSeq: 1 OPTIONS\r\n"
            "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n" % (node, port, tp.upper(), me, rnd(),
                                                              me, rnd(6), node, cid)).encode())
    r = c.replies(cid, time.time() + timeout)
    c.close()
    return any(isinstance(x, tuple) and x[0] == 200 for x in r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("node")
    ap.add_argument("port", type=int)
    ap.add_argument("transport", choices=["udp", "tcp"])
    ap.add_argument("--alias", default="open")
    ap.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.connect((a.node, a.port))
    me = probe.getsockname()[0]
    probe.close()
    passed = failed = 0
    for c in cases():
        msg, cid = build(c, me, a.node, a.port, a.transport, a.alias)
        msg = msg.replace(b"{node}", a.node.encode())
        conn = Conn(a.node, a.port, a.transport, a.timeout)
        conn.send(msg)
        got = conn.replies(cid, time.time() + a.timeout)
        finals = [x for x in got if isinstance(x, tuple) and x[0] >= 200]
        outcome = finals[0][0] if finals else "drop"
        if finals and 200 <= outcome < 300:
            hang_up(conn, me, finals[0][1])
        conn.close()
        ok = outcome in c["ok"]
        up = alive(a.node, a.port, a.transport, me, a.timeout)
        if ok and up:
            passed += 1
            print("ok - %s: %s" % (c["name"], outcome))
        else:
            failed += 1
            print("not ok - %s: %s (allowed %s)%s" % (c["name"], outcome, c["ok"],
                                                     "" if up else ", node not answering"))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
