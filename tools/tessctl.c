/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * tessctl.c - the operators' command-line tool.
 *
 * Today it speaks to the data plane control socket (`tessctl dp ...`); the
 * management REST commands join it when the management node exists.
 * Exit codes: 0 success, 1 the daemon answered with an error, 2 usage or
 * connection problems.
 * Context: a short-lived CLI process.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"

#define MAX_MSG 65536

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: tessctl dp [--sock PATH] [--raw] OPERATION ['{JSON args}']\n"
		"       tessctl --help | --version\n"
		"\n"
		"Data plane operations: ping, stream.create, stream.update, stream.delete,\n"
		"stream.stats, stream.list, port.stats, lcore.stats (see docs/dataplane.md).\n"
		"The socket defaults to $DP_CTL_SOCK, else /run/tessera/dp.sock.\n"
		"Prints the result object (--raw: the whole reply). Exit status: 0 ok,\n"
		"1 error reply, 2 usage or connection error.\n");
}

static int
dp_call(const char *path, const char *op, const char *args_text, bool raw)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 10};
	json_error_t jerr;
	json_t *args = NULL, *req, *reply, *ok;
	char *out, *buf;
	ssize_t n;
	int fd, rc = 2;

	if (args_text != NULL) {
		args = json_loads(args_text, 0, &jerr);
		if (args == NULL) {
			fprintf(stderr, "tessctl: arguments are not JSON: %s\n", jerr.text);
			return 2;
		}
	}
	req = json_pack("{s:i, s:i, s:s}", "v", 1, "id", (int)getpid(), "op", op);
	if (args != NULL)
		json_object_set_new(req, "args", args);
	out = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "tessctl: socket path too long\n");
		free(out);
		return 2;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	buf = malloc(MAX_MSG + 1);
	if (fd < 0 || buf == NULL || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "tessctl: cannot connect to %s: %s\n", path, strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, out, strlen(out), MSG_NOSIGNAL) < 0 || (n = recv(fd, buf, MAX_MSG, 0)) <= 0) {
		fprintf(stderr, "tessctl: no reply from %s: %s\n", path, strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	reply = json_loads(buf, 0, &jerr);
	if (reply == NULL) {
		fprintf(stderr, "tessctl: malformed reply\n");
		goto out;
	}
	ok = json_object_get(reply, "ok");
	rc = json_is_true(ok) ? 0 : 1;
	{
		json_t *show = raw ? reply : json_object_get(reply, rc == 0 ? "result" : "error");
		char *text = json_dumps(show, JSON_INDENT(2) | JSON_SORT_KEYS);

		fprintf(rc == 0 ? stdout : stderr, "%s\n", text ? text : "{}");
		free(text);
	}
	json_decref(reply);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(out);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"sock", required_argument, NULL, 's'},
		{"raw", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *sock = getenv("DP_CTL_SOCK");
	bool raw = false;
	int c;

	if (sock == NULL)
		sock = "/run/tessera/dp.sock";
	if (argc >= 2 && strcmp(argv[1], "dp") == 0) {
		argv++;
		argc--;
	} else if (argc >= 2 && argv[1][0] != '-') {
		fprintf(stderr, "tessctl: unknown command group %s\n", argv[1]);
		usage(stderr);
		return 2;
	}
	while ((c = getopt_long(argc, argv, "s:rhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'r':
			raw = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tessctl %s\n", TSR_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		usage(stderr);
		return 2;
	}
	return dp_call(sock, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, raw);
}
