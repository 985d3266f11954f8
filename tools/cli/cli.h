/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cli.h - what the tessctl command groups share: the connection settings,
 * the parsed command line, HTTPS requests to the management node (libcurl)
 * and the output helpers (tables for people, JSON for scripts).
 *
 * Exit codes: CLI_OK 0, CLI_EAPI 1 (the API answered with an error, its
 * message printed), CLI_EUSAGE 2 (bad command line or settings), CLI_ECONN 3
 * (no connection, TLS failure, no answer).
 *
 * Context: a short-lived single-threaded CLI process.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

enum {
	CLI_OK = 0,
	CLI_EAPI = 1,
	CLI_EUSAGE = 2,
	CLI_ECONN = 3,
};

/* Where the management node is and who we are (flags > environment > file). */
struct cli_conn {
	char url[512];
	char user[128];
	char pass[256];
	char cacert[512];
	bool insecure;
	long timeout_s;
};

/* The command line after option parsing; positional words in args[]. */
struct cli_opts {
	struct cli_conn conn;
	bool json;          /* --json: JSON output (and JSON bodies accepted) */
	bool help;          /* --help after a command */
	bool all;           /* list: every page */
	bool replace;       /* update: PUT instead of PATCH */
	bool raw;           /* dp/node: print the whole reply */
	long limit, offset; /* list paging, -1 = server default */
	long watch;         /* live: refresh every N s, 0 = once */
	const char *order_by;
	const char *columns;
	const char *output;          /* -o FILE */
	const char *passphrase;      /* backup */
	const char *passphrase_file; /* backup */
	const char *sock;            /* dp/node control socket */
	char **args;                 /* positional words (borrowed from argv) */
	int n_args;
};

/* One HTTP answer. */
struct cli_resp {
	long status;
	char *body; /* owned, NUL-terminated */
	size_t len;
	char ctype[128];
};

/**
 * One request to the management node.
 * @param path    absolute path with query string ("/api/...")
 * @param ctype   Content-Type of @p body, NULL when there is none
 * @param header  one extra "Name: value" header, or NULL
 * @param out     the answer (release with cli_resp_fini())
 * @return CLI_OK (any HTTP status), CLI_ECONN (message printed), CLI_EUSAGE
 *         (no server configured; message printed).
 */
int cli_http(const struct cli_conn *c, const char *method, const char *path, const char *ctype,
	     const void *body, size_t len, const char *header, struct cli_resp *out);

/** Release what a response owns. */
void cli_resp_fini(struct cli_resp *r);

/**
 * A JSON request whose answer should be JSON: prints the API's error and
 * returns CLI_EAPI for a status >= 400.
 * @param body  request body (borrowed), NULL for none
 * @param out   the parsed answer (returns owned; NULL for an empty body)
 * @return CLI_OK, CLI_EAPI, CLI_ECONN, CLI_EUSAGE.
 */
int cli_api(const struct cli_conn *c, const char *method, const char *path, json_t *body,
	    json_t **out);

/** Print an API error answer on stderr. @return CLI_EAPI. */
int cli_print_api_error(const struct cli_resp *r);

/** Print @p v as indented JSON on stdout. */
void cli_print_json(const json_t *v);

/** One table cell: scalars as text, URIs shortened, lists joined. Returns owned. */
char *cli_cell(const json_t *v);

/**
 * Print objects as a table with the given columns ("id,name,...").
 * @param cols  comma-separated column names (borrowed)
 */
void cli_print_table(const json_t *objects, const char *cols);

/** Print one object as "field: value" lines. */
void cli_print_object(const json_t *o);

/** Append "key=value" URL-encoded to a query string (with ? or &). @return 0 or CLI_EUSAGE. */
int cli_query_add(char *q, size_t cap, const char *key, const char *value);

/** Usage error: print "tessctl: <msg>" and a hint; @return CLI_EUSAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Load the connection settings (flags already in @p c win). @return CLI_OK or CLI_EUSAGE. */
int cli_conn_resolve(struct cli_conn *c, const char *config_file);

/** Read a whole file ("-" = stdin). @return owned buffer (NUL-terminated) or NULL. */
char *cli_read_file(const char *path, size_t *len);

/** Default table columns for a list of @p res (@p buf may hold them). */
const char *cli_default_cols(const char *res, const json_t *objects, char *buf, size_t cap);

/**
 * List PREFIX<res>/ with field=value filters (paging from @p o), as a table
 * or JSON. @return a CLI_* exit code.
 */
int cli_list(struct cli_opts *o, const char *cmd, const char *prefix, const char *res,
	     char **filters, int n);

/** Show PREFIX<res>/<id>/. @return a CLI_* exit code. */
int cli_show(struct cli_opts *o, const char *cmd, const char *prefix, const char *res,
	     const char *id);

/** Whether @p cmd is one of the conference control commands (dial, mute...). */
bool cli_is_command(const char *cmd);

/* Command groups: each gets the parsed options and the command word. */
int cli_config_main(struct cli_opts *o, const char *cmd);
int cli_status_main(struct cli_opts *o, const char *cmd);
int cli_command_main(struct cli_opts *o, const char *cmd);
int cli_transfer_main(struct cli_opts *o, const char *cmd);

/** Print the help of @p cmd (NULL: the overview). @return 0, or -1 for an unknown command. */
int cli_help(FILE *f, const char *cmd);
