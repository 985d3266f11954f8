#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# impair.py - a seeded UDP impairment relay for the integration tests (these
# kernels have no netem).
#
# Listens on --listen ADDR:PORT and forwards every datagram to --to ADDR:PORT
# (from --bind ADDR:PORT when given), applying per datagram, with a random
# generator seeded by --seed so that a run is repeatable:
#   - loss: dropped with probability --loss;
#   - jitter: delayed by a uniform random time in [0, 2 * --jitter-ms], so the
#     mean added delay is --jitter-ms; datagrams overtake each other whenever
#     delays differ by more than their spacing;
#   - reordering: with probability --reorder held back a further
#     --reorder-ms, so later datagrams overtake it;
#   - duplicates: with probability --dup sent twice (the copy after a further
#     random delay within the jitter range).
# Datagrams coming back from the far end are relayed to the last source seen
# without impairment. On SIGTERM or SIGINT it writes its counters as JSON to
# --stats (received, dropped, duplicated, held_back, sent, reordered: sent
# out of their arrival order) and exits.
#
# Context: test helper, standard library only.
#
# Usage: impair.py --listen 127.0.0.1:7000 --to 198.18.0.1:44000
#          [--bind 0.0.0.0:6000] [--seed 1] [--loss 0.05] [--jitter-ms 20]
#          [--reorder 0.02] [--reorder-ms 50] [--dup 0.02] [--stats FILE]

import argparse
import heapq
import json
import random
import select
import signal
import socket
import sys
import time


def hostport(s):
    host, _, port = s.rpartition(":")
    return host.strip("[]"), int(port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True, type=hostport)
    ap.add_argument("--to", required=True, type=hostport)
    ap.add_argument("--bind", type=hostport, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--loss", type=float, default=0.05)
    ap.add_argument("--jitter-ms", type=float, default=20.0)
    ap.add_argument("--reorder", type=float, default=0.02)
    ap.add_argument("--reorder-ms", type=float, default=50.0)
    ap.add_argument("--dup", type=float, default=0.02)
    ap.add_argument("--stats", default=None)
    a = ap.parse_args()

    rng = random.Random(a.seed)
    inside = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    inside.bind(a.listen)
    outside = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if a.bind is not None:
        outside.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        outside.bind(a.bind)
    st = {"received": 0, "dropped": 0, "duplicated": 0, "held_back": 0, "sent": 0,
          "reordered": 0, "returned": 0}
    queue = []  # (due time, arrival number, payload)
    arrivals = 0
    highest_sent = -1
    last_src = None
    running = [True]

    def stop(_sig, _frm):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("impair: %s:%d -> %s:%d seed=%d loss=%.3f jitter=%.1fms reorder=%.3f dup=%.3f"
          % (a.listen + a.to + (a.seed, a.loss, a.jitter_ms, a.reorder, a.dup)), flush=True)
    while running[0]:
        now = time.monotonic()
        timeout = 0.5
        if queue:
            timeout = max(0.0, min(timeout, queue[0][0] - now))
        try:
            ready, _, _ = select.select([inside, outside], [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        if inside in ready:
            data, src = inside.recvfrom(65535)
            last_src = src
            st["received"] += 1
            n = arrivals
            arrivals += 1
            if rng.random() < a.loss:
                st["dropped"] += 1
            else:
                delay = rng.uniform(0.0, 2.0 * a.jitter_ms) / 1000.0
                if rng.random() < a.reorder:
                    delay += a.reorder_ms / 1000.0
                    st["held_back"] += 1
                heapq.heappush(queue, (now + delay, n, data))
                if rng.random() < a.dup:
                    st["duplicated"] += 1
                    extra = rng.uniform(0.0, 2.0 * a.jitter_ms) / 1000.0
                    heapq.heappush(queue, (now + delay + extra, n, data))
        if outside in ready:
            data, _ = outside.recvfrom(65535)
            if last_src is not None:
                inside.sendto(data, last_src)
                st["returned"] += 1
        while queue and queue[0][0] <= now:
            _, n, data = heapq.heappop(queue)
            outside.sendto(data, a.to)
            st["sent"] += 1
            if n < highest_sent:
                st["reordered"] += 1
            highest_sent = max(highest_sent, n)
    if a.stats:
        with open(a.stats, "w") as f:
            json.dump(st, f)
    print("impair: " + json.dumps(st), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
