#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# jsonstat.py - flatten, sum and diff the data plane's statistics JSON.
#
# The tests should not depend on how the data plane groups counters (per port,
# per lcore, nested objects), only on counter names. A JSON document is
# flattened to dotted paths of its numeric leaves; list indices are dropped, so
# per-lcore or per-port lists are summed (lcore.stats "lcores.0.arp_replies" and
# "lcores.1.arp_replies" both become "lcores.arp_replies").
#
# Context: test helper, standard library only.
#
# Usage:
#   jsonstat.py flat FILE             print "path value" lines
#   jsonstat.py get FILE NAME...      sum of every leaf whose path ends with NAME
#                                     (".NAME" or exact); prints one number per NAME
#   jsonstat.py diff OLD NEW          print "path +delta" for every changed leaf
#   jsonstat.py delta OLD NEW NAME    like get, on NEW minus OLD

import json
import sys


def flatten(v, path="", out=None):
    if out is None:
        out = {}
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(x, path + "." + k if path else k, out)
    elif isinstance(v, list):
        for x in v:
            flatten(x, path, out)
    elif isinstance(v, bool):
        pass
    elif isinstance(v, (int, float)):
        out[path] = out.get(path, 0) + v
    return out


def load(path):
    with open(path) as f:
        txt = f.read().strip()
    return flatten(json.loads(txt)) if txt else {}


def get(flat, name):
    return sum(v for p, v in flat.items() if p == name or p.endswith("." + name))


def main():
    cmd = sys.argv[1]
    if cmd == "flat":
        for p, v in sorted(load(sys.argv[2]).items()):
            print(p, v)
    elif cmd == "get":
        f = load(sys.argv[2])
        for n in sys.argv[3:]:
            print(get(f, n))
    elif cmd == "diff":
        a, b = load(sys.argv[2]), load(sys.argv[3])
        for p in sorted(set(a) | set(b)):
            d = b.get(p, 0) - a.get(p, 0)
            if d:
                print("%s %+d" % (p, d))
    elif cmd == "delta":
        a, b = load(sys.argv[2]), load(sys.argv[3])
        print(get(b, sys.argv[4]) - get(a, sys.argv[4]))
    else:
        print("usage: jsonstat.py flat|get|diff|delta ...", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
