#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# deps.sh - install every build and test dependency from Debian's repositories.
#
# Idempotent: checks each package with dpkg-query first and only calls apt-get
# when something is missing. Quiet when everything is present.
set -euo pipefail

PKGS=(
	# build
	build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
	libdpdk-dev dpdk libipsec-mb-dev libsrtp2-dev libjansson-dev libcmocka-dev
	libavcodec-dev libavformat-dev libavutil-dev libswresample-dev libswscale-dev
	libopus-dev libvpx-dev libopenh264-dev libbcg729-dev libsofia-sip-ua-dev libssl-dev
	libsqlite3-dev libmicrohttpd-dev libgnutls28-dev libcurl4-gnutls-dev espeak-ng
	# run and test
	iproute2 iputils-ping ethtool procps util-linux psmisc curl sqlite3 socat
	ffmpeg sip-tester baresip-core tshark python3 python3-scapy
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
	gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly wrk
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: run as root (or install them with apt-get)" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: done"
