/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * test_opts.c - config files and option value parsing shared by the daemons.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tsr_opts.h"

enum { O_NAME = 256, O_PORT, O_FLAG };

static const struct option opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"name", required_argument, NULL, O_NAME},
	{"port", required_argument, NULL, O_PORT},
	{"flag", optional_argument, NULL, O_FLAG},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct vals {
	char name[8];
	uint32_t port;
	bool flag;
	int applied;
};

static int
apply(void *ctx, int opt, const char *v)
{
	struct vals *x = ctx;

	x->applied++;
	switch (opt) {
	case O_NAME:
		return tsr_opts_str(x->name, sizeof(x->name), v);
	case O_PORT:
		return tsr_opts_u32(v, 1, 65535, &x->port);
	case O_FLAG:
		return tsr_opts_bool(v, &x->flag);
	default:
		return -EINVAL;
	}
}

static int
run(const char *text, struct vals *x)
{
	char path[] = "/tmp/tsr-opts-XXXXXX";
	int fd = mkstemp(path), rc;
	char *argv[] = {"prog", "-c", path, NULL};

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(x, 0, sizeof(*x));
	rc = tsr_opts_config("prog", 3, argv, opts, O_NAME, apply, x);
	unlink(path);
	return rc;
}

static void
test_config_file(void **state)
{
	struct vals x;

	(void)state;
	assert_int_equal(run("# a comment = with equals\n\n  name = demo  \nport=5060\r\nflag = off\n",
			     &x), 0);
	assert_string_equal(x.name, "demo");
	assert_int_equal(x.port, 5060);
	assert_false(x.flag);
	assert_int_equal(x.applied, 3);
	/* Unknown names, options without values, bad values, lines without "=". */
	assert_int_equal(run("colour = red\n", &x), -EINVAL);
	assert_int_equal(run("help = 1\n", &x), -EINVAL);
	assert_int_equal(run("port = 70000\n", &x), -EINVAL);
	assert_int_equal(run("name = far-too-long\n", &x), -EINVAL);
	assert_int_equal(run("port 5060\n", &x), -EINVAL);
	/* A missing file. */
	{
		char *argv[] = {"prog", "--config=/nonexistent/tsr.conf", NULL};

		assert_int_equal(tsr_opts_config("prog", 2, argv, opts, O_NAME, apply, &x), -ENOENT);
	}
	/* Arguments after "--" are not ours. */
	{
		char *argv[] = {"prog", "--", "-c", "/nonexistent", NULL};

		assert_int_equal(tsr_opts_config("prog", 4, argv, opts, O_NAME, apply, &x), 0);
	}
}

static void
no_usage(FILE *f)
{
	(void)f;
}

static void
test_parse_command_line(void **state)
{
	struct vals x;
	char *ok[] = {"prog", "--name", "cli", "--port=80", "--flag", NULL};
	char *bad[] = {"prog", "--port", "0", NULL};
	char *unknown[] = {"prog", "--colour", "red", NULL};
	char *help[] = {"prog", "-h", NULL};

	(void)state;
	memset(&x, 0, sizeof(x));
	optind = 1;
	assert_int_equal(tsr_opts_parse("prog", "1", 5, ok, opts, O_NAME, apply, no_usage, &x), 0);
	assert_string_equal(x.name, "cli");
	assert_int_equal(x.port, 80);
	assert_true(x.flag);
	optind = 1;
	assert_int_equal(tsr_opts_parse("prog", "1", 3, bad, opts, O_NAME, apply, no_usage, &x),
			 -EINVAL);
	optind = 1;
	assert_int_equal(tsr_opts_parse("prog", "1", 3, unknown, opts, O_NAME, apply, no_usage, &x),
			 -EINVAL);
	optind = 1;
	assert_int_equal(tsr_opts_parse("prog", "1", 2, help, opts, O_NAME, apply, no_usage, &x), 1);
}

static void
test_values(void **state)
{
	uint32_t v = 7;
	bool b = false;
	char s[4];

	(void)state;
	assert_int_equal(tsr_opts_u32("", 0, 10, &v), -EINVAL);
	assert_int_equal(tsr_opts_u32("5x", 0, 10, &v), -EINVAL);
	assert_int_equal(tsr_opts_u32("11", 0, 10, &v), -EINVAL);
	assert_int_equal(tsr_opts_u32("99999999999999999999", 0, UINT32_MAX, &v), -EINVAL);
	assert_int_equal(v, 7);
	assert_int_equal(tsr_opts_u32("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(tsr_opts_bool(NULL, &b), 0);
	assert_true(b);
	assert_int_equal(tsr_opts_bool("maybe", &b), -EINVAL);
	assert_int_equal(tsr_opts_str(s, sizeof(s), "abcd"), -EINVAL);
	assert_int_equal(tsr_opts_str(s, sizeof(s), "abc"), 0);
	assert_string_equal(s, "abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_parse_command_line),
		cmocka_unit_test(test_values),
	};

	return cmocka_run_group_tests_name("tsr_opts", tests, NULL, NULL);
}
