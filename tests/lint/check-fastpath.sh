#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Tessera Authors
#
# check-fastpath.sh - the fast-path libraries must not call what allocates,
# locks, logs or sleeps (STYLE §3.7). Lists the undefined symbols of each
# archive given and fails on any from the ban list.
#   check-fastpath.sh LIB.a [LIB.a ...]
set -euo pipefail
banned='^(malloc|calloc|realloc|free|strdup|rte_malloc|rte_zmalloc|rte_free|rte_malloc_socket|rte_zmalloc_socket|pthread_mutex_.*|pthread_spin_.*|rte_spinlock_.*|printf|fprintf|vfprintf|puts|fputs|perror|syslog|vsyslog|rte_log|rte_vlog|tsr_log|usleep|nanosleep|sleep|clock_nanosleep|write|send|sendto|recv|recvfrom|poll|epoll_wait|sqlite3_.*|json_.*)$'
bad=0
for lib in "$@"; do
	hits=$(nm -u "$lib" | awk '{print $2}' | sed 's/@.*//' | grep -E "$banned" | sort -u || true)
	if [ -n "$hits" ]; then
		echo "not ok - $(basename "$lib") references: $(echo $hits)"
		bad=1
	else
		echo "ok - $(basename "$lib") has no banned calls"
	fi
done
exit $bad
