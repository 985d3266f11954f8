#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# tone.py - check a decoded WAV for expected and absent tones (Goertzel).
#
# The integration tests decode media received by a real client (ffmpeg or
# GStreamer) to WAV, then call this to decide whether the media survived the
# data plane. For each block (default 20 ms) with signal energy it computes,
# per frequency, the share of the block's energy at that frequency: about 1.0
# for a pure tone, about 0.0 when absent. The score of a frequency is the median
# over the blocks with signal.
#
# Context: test helper, standard library only (wave, math, struct).
#
# Usage: tone.py WAV --expect 1000 [--expect F ...] [--absent 440 ...]
#          [--start S] [--end S] [--min-seconds S] [--threshold 0.8]
#          [--absent-threshold 0.1] [--json]
# Exit status: 0 when every expected tone scores >= threshold, every absent
# one <= absent-threshold and at least min-seconds of signal were found;
# 1 otherwise; 2 on unreadable input.

import argparse
import json
import math
import struct
import sys
import wave


def read_mono(path):
    w = wave.open(path, "rb")
    ch, width, rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
    raw = w.readframes(n)
    w.close()
    n = len(raw) // (ch * width)
    if width == 2:
        vals = struct.unpack("<%dh" % (n * ch), raw[: n * ch * 2])
        scale = 32768.0
    elif width == 1:
        vals = [b - 128 for b in raw[: n * ch]]
        scale = 128.0
    elif width == 4:
        vals = struct.unpack("<%di" % (n * ch), raw[: n * ch * 4])
        scale = 2147483648.0
    else:
        raise ValueError("unsupported sample width %d" % width)
    if ch == 1:
        return rate, [v / scale for v in vals]
    return rate, [sum(vals[i * ch:(i + 1) * ch]) / (ch * scale) for i in range(n)]


def goertzel_share(block, rate, freq):
    """Fraction of the block's energy at freq (about 1.0 for a pure tone)."""
    n = len(block)
    w = 2.0 * math.pi * freq / rate
    coeff = 2.0 * math.cos(w)
    s1 = s2 = 0.0
    for x in block:
        s0 = x + coeff * s1 - s2
        s2, s1 = s1, s0
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    energy = sum(x * x for x in block)
    if energy <= 0.0:
        return 0.0
    return min(2.0 * power / (n * energy), 1.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wav")
    ap.add_argument("--expect", type=float, action="append", default=[])
    ap.add_argument("--absent", type=float, action="append", default=[])
    ap.add_argument("--start", type=float, default=0.0, help="seconds to skip")
    ap.add_argument("--end", type=float, default=None, help="stop at this second")
    ap.add_argument("--block-ms", type=float, default=20.0)
    ap.add_argument("--min-seconds", type=float, default=1.0)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--absent-threshold", type=float, default=0.1)
    ap.add_argument("--silence", type=float, default=1e-3, help="RMS below which a block is silence")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    try:
        rate, x = read_mono(a.wav)
    except Exception as e:  # noqa: BLE001 - any unreadable file is a test error
        print("tone.py: cannot read %s: %s" % (a.wav, e), file=sys.stderr)
        return 2
    total_s = len(x) / rate if rate else 0.0
    lo = int(a.start * rate)
    hi = len(x) if a.end is None else min(len(x), int(a.end * rate))
    x = x[lo:hi]
    bn = max(int(rate * a.block_ms / 1000.0), 16)
    scores = {f: [] for f in a.expect + a.absent}
    signal_blocks = 0
    for i in range(0, len(x) - bn + 1, bn):
        b = x[i:i + bn]
        rms = math.sqrt(sum(v * v for v in b) / bn)
        if rms < a.silence:
            continue
        signal_blocks += 1
        for f in scores:
            scores[f].append(goertzel_share(b, rate, f))

    def median(v):
        if not v:
            return 0.0
        v = sorted(v)
        return v[len(v) // 2]

    signal_s = signal_blocks * bn / rate
    res = {
        "file": a.wav, "rate": rate, "duration_s": round(total_s, 3),
        "signal_s": round(signal_s, 3),
        "expect": {str(f): round(median(scores[f]), 4) for f in a.expect},
        "absent": {str(f): round(median(scores[f]), 4) for f in a.absent},
    }
    ok = signal_s >= a.min_seconds
    ok = ok and all(median(scores[f]) >= a.threshold for f in a.expect)
    ok = ok and all(median(scores[f]) <= a.absent_threshold for f in a.absent)
    res["ok"] = ok
    if a.json:
        print(json.dumps(res))
    else:
        print("%s: %.2f s total, %.2f s signal, expect %s, absent %s -> %s"
              % (a.wav, total_s, signal_s, res["expect"], res["absent"], "ok" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
