/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * tsr_log.c - logfmt lines with UTC timestamps.
 *
 * Context: any thread. Each line is built in a stack buffer and written with
 * one write(2) so lines from different threads never interleave.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tsr_log.h"

static enum tsr_log_level log_level = TSR_LOG_INFO;
static int log_fd = 2;

static const char *const level_names[] = {
	[TSR_LOG_ERR] = "err",
	[TSR_LOG_WARN] = "warn",
	[TSR_LOG_INFO] = "info",
	[TSR_LOG_DEBUG] = "debug",
};

void
tsr_log_init(enum tsr_log_level level, int fd)
{
	log_level = level;
	log_fd = fd;
}

int
tsr_log_level_parse(const char *name)
{
	for (unsigned int i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	return -EINVAL;
}

bool
tsr_log_enabled(enum tsr_log_level level)
{
	return level <= log_level;
}

void
tsr_log(enum tsr_log_level level, const char *comp, const char *fmt, ...)
{
	char body[768], line[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	const char *pairs;
	int n;

	if (!tsr_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	/* The message is everything before the first tab; the rest are pairs. */
	pairs = strchr(body, '\t');
	if (pairs != NULL)
		body[pairs++ - body] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
		     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s comp=%s msg=\"%s\"%s%s\n",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], comp, body,
		     pairs ? " " : "", pairs ? pairs : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line);
		line[n - 1] = '\n';
	}
	if (write(log_fd, line, (size_t)n) < 0)
		return; /* nowhere left to report it */
}
