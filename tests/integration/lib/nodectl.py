#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# nodectl.py - one request to tessera-node's control socket (unix
# SOCK_SEQPACKET, {"v":1,"id":N,"op":...,"args":{...}}); prints the result
# object as JSON. Exit status: 0 ok, 1 an error reply (printed on stderr),
# 2 no connection or no reply.
#
# Usage: nodectl.py SOCK OP [ARGS_JSON]

import json
import socket
import sys


def main():
    if len(sys.argv) < 3:
        print("usage: nodectl.py SOCK OP [ARGS_JSON]", file=sys.stderr)
        return 2
    req = {"v": 1, "id": 1, "op": sys.argv[2]}
    if len(sys.argv) > 3:
        req["args"] = json.loads(sys.argv[3])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    try:
        s.connect(sys.argv[1])
        s.send(json.dumps(req).encode())
        reply = json.loads(s.recv(1 << 20))
    except (OSError, ValueError) as e:
        print("nodectl: %s" % e, file=sys.stderr)
        return 2
    if not reply.get("ok"):
        print(json.dumps(reply.get("error")), file=sys.stderr)
        return 1
    print(json.dumps(reply.get("result")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
