/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * tsr_opts.c - see tsr_opts.h.
 * Context: startup (main thread).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tsr_opts.h"

int
tsr_opts_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
tsr_opts_str(char *dst, size_t cap, const char *src)
{
	if (strlen(src) >= cap)
		return -EINVAL;
	strcpy(dst, src);
	return 0;
}

int
tsr_opts_bool(const char *v, bool *out)
{
	if (v == NULL || strcmp(v, "on") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* Trim blanks at both ends in place. */
static char *
trim(char *s, const char *blanks)
{
	char *end;

	s += strspn(s, blanks);
	for (end = s + strlen(s); end > s && strchr(blanks, end[-1]) != NULL; end--)
		;
	*end = '\0';
	return s;
}

static int
load_file(const char *prog, const char *path, const struct option *opts, int first_val,
	  tsr_opts_apply_cb apply, void *ctx)
{
	char line[512];
	FILE *f = fopen(path, "r");
	int lineno = 0, rc = 0;

	if (f == NULL) {
		rc = -errno;
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
		return rc;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *k, *v = strchr(line, '=');
		const struct option *opt;

		lineno++;
		k = trim(line, " \t\r\n");
		if (*k == '#' || *k == '\0')
			continue;
		if (v == NULL) {
			rc = -EINVAL;
			break;
		}
		*v++ = '\0';
		k = trim(k, " \t");
		v = trim(v, " \t\r\n");
		rc = -EINVAL;
		for (opt = opts; opt->name != NULL; opt++)
			if (strcmp(opt->name, k) == 0 && opt->val >= first_val)
				rc = apply(ctx, opt->val, v);
	}
	fclose(f);
	if (rc < 0)
		fprintf(stderr, "%s: %s:%d: invalid line\n", prog, path, lineno);
	explicit_bzero(line, sizeof(line)); /* config files may hold passwords */
	return rc;
}

int
tsr_opts_config(const char *prog, int argc, char **argv, const struct option *opts,
		int first_val, tsr_opts_apply_cb apply, void *ctx)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *path = NULL;
		int rc;

		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			path = argv[i] + 9;
		if (path != NULL && (rc = load_file(prog, path, opts, first_val, apply, ctx)) < 0)
			return rc;
	}
	return 0;
}

int
tsr_opts_parse(const char *prog, const char *version, int argc, char **argv,
	       const struct option *opts, int first_val, tsr_opts_apply_cb apply,
	       tsr_opts_usage_cb usage, void *ctx)
{
	int c, rc;

	rc = tsr_opts_config(prog, argc, argv, opts, first_val, apply, ctx);
	if (rc < 0)
		return rc;
	while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("%s %s\n", prog, version);
			return 1;
		case '?':
			usage(stderr);
			return -EINVAL;
		default:
			if (apply(ctx, c, optarg) < 0) {
				fprintf(stderr, "%s: invalid value: %s\n", prog,
					optarg != NULL ? optarg : argv[optind - 1]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int
tsr_mkdir_parent(const char *path)
{
	char dir[4096];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
