/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * tsr_log.h - structured logging shared by every Tessera process.
 *
 * One line per event in logfmt style:
 *   2026-11-26T06:10:07.123Z level=info comp=dp.ctl msg="stream added" id=7
 * Components are named after directories (dp.ctl, dp.port, cp.sip, mgmt.rest).
 * Context: control path of any process; thread-safe (one write(2) per line).
 * Never call it from a fast-path file: those count, they do not log.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>

enum tsr_log_level {
	TSR_LOG_ERR = 0,
	TSR_LOG_WARN,
	TSR_LOG_INFO,
	TSR_LOG_DEBUG,
};

/**
 * Set the lowest level printed and the output file descriptor.
 * @param level  the most verbose level still printed
 * @param fd     where lines go (2 = stderr by default)
 * Context: startup, before other threads exist.
 */
void tsr_log_init(enum tsr_log_level level, int fd);

/**
 * Parse "err", "warn", "info" or "debug".
 * @return the level, or -EINVAL when the name is unknown.
 */
int tsr_log_level_parse(const char *name);

/** True when @p level would be printed. */
bool tsr_log_enabled(enum tsr_log_level level);

/**
 * Write one log line. @p fmt is the message followed, optionally, by
 * " key=value" pairs the caller formats itself; the message part is quoted
 * up to the first "\t" (a tab separates the message from the pairs).
 * Context: any thread.
 */
void tsr_log(enum tsr_log_level level, const char *comp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define TSR_ERR(comp, ...) tsr_log(TSR_LOG_ERR, comp, __VA_ARGS__)
#define TSR_WARN(comp, ...) tsr_log(TSR_LOG_WARN, comp, __VA_ARGS__)
#define TSR_INFO(comp, ...) tsr_log(TSR_LOG_INFO, comp, __VA_ARGS__)
#define TSR_DEBUG(comp, ...) tsr_log(TSR_LOG_DEBUG, comp, __VA_ARGS__)
