/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * tsr_opts.h - command line and config file options shared by the daemons.
 *
 * Every daemon takes a config file (-c FILE / --config FILE) of
 * "name = value" lines whose names are its long options, then the command
 * line, which wins. tsr_opts_config() does the first part; the daemon runs
 * getopt_long() for the second with the same apply function.
 * Context: startup (main thread).
 */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Apply option @p opt (a struct option val) with value @p val to @p ctx. @return 0 or -EINVAL. */
typedef int (*tsr_opts_apply_cb)(void *ctx, int opt, const char *val);

/**
 * Apply every config file named by -c/--config in @p argv (before "--").
 * Lines are "name = value", blank or "#" comments; @p name must be a long
 * option of @p opts whose val is at least @p first_val (options without a
 * value such as --help are refused). An error names the file and line on
 * stderr, prefixed by @p prog.
 * @return 0, -EINVAL (bad line or value) or -errno (file cannot be read).
 */
int tsr_opts_config(const char *prog, int argc, char **argv, const struct option *opts,
		    int first_val, tsr_opts_apply_cb apply, void *ctx);

/** Prints a daemon's usage text. */
typedef void (*tsr_opts_usage_cb)(FILE *f);

/**
 * The whole option parsing of a daemon: the config files (as
 * tsr_opts_config()), then getopt_long() over @p argv with short options
 * "c:hV" (-h prints @p usage, -V prints "@p prog @p version"), applying
 * every other option with @p apply. Stops at "--".
 * @return 0, 1 when the daemon should exit successfully (help, version),
 *         -EINVAL (bad option or value, reported on stderr) or -errno.
 */
int tsr_opts_parse(const char *prog, const char *version, int argc, char **argv,
		   const struct option *opts, int first_val, tsr_opts_apply_cb apply,
		   tsr_opts_usage_cb usage, void *ctx);

/** Decimal in [lo, hi]. @return 0 or -EINVAL. */
int tsr_opts_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);

/** Copy @p src into @p dst of @p cap bytes. @return 0 or -EINVAL when it does not fit. */
int tsr_opts_str(char *dst, size_t cap, const char *src);

/** "on"/"true"/"1" (or no value) and "off"/"false"/"0". @return 0 or -EINVAL. */
int tsr_opts_bool(const char *v, bool *out);

/**
 * Create the directory that will hold @p path (and its parents), mode 0755,
 * when missing: daemons call it for sockets and databases under /run or
 * /var/lib.
 * @return 0, or a negative errno (-ENAMETOOLONG, mkdir(2)'s errors).
 */
int tsr_mkdir_parent(const char *path);
