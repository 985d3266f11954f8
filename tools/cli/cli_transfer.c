/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cli_transfer.c - tessctl's bulk transfers: CSV import/export of services,
 * automatically dialled participants and device aliases, and backup/restore
 * of the whole configuration to one passphrase-encrypted file.
 *
 * Context: a short-lived single-threaded CLI process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

#define COMMAND "/api/admin/command/v1/"

/* CSV kinds: tessctl word -> the command path and its service_type. */
static const struct {
	const char *kind, *group, *service_type;
} kinds[] = {
	{"vmr", "conference", "conference"},
	{"auditorium", "conference", "lecture"},
	{"reception", "conference", "two_stage_dialing"},
	{"adp", "automatic_participant", NULL},
	{"device", "device", NULL},
};

static int
csv_path(const char *cmd, const char *kind, const char *action, char *path, size_t cap)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].kind, kind) != 0)
			continue;
		snprintf(path, cap, COMMAND "%s/%s/", kinds[i].group, action);
		if (kinds[i].service_type != NULL)
			cli_query_add(path, cap, "service_type", kinds[i].service_type);
		return CLI_OK;
	}
	return cli_usage_error(cmd, "unknown CSV kind '%s' (vmr, auditorium, reception, adp, device)",
			       kind);
}

/* Write @p len bytes to -o FILE (created 0600, replaced atomically) or stdout. */
static int
write_out(const char *output, const char *data, size_t len)
{
	char tmp[4096];
	int fd;
	ssize_t w;
	size_t off = 0;

	if (output == NULL || strcmp(output, "-") == 0)
		return fwrite(data, 1, len, stdout) == len ? CLI_OK : CLI_EUSAGE;
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", output, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "tessctl: cannot create %s: %s\n", tmp, strerror(errno));
		return CLI_EUSAGE;
	}
	while (off < len && (w = write(fd, data + off, len - off)) > 0)
		off += (size_t)w;
	if (off != len || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, output) < 0) {
		fprintf(stderr, "tessctl: cannot write %s: %s\n", output, strerror(errno));
		unlink(tmp);
		return CLI_EUSAGE;
	}
	return CLI_OK;
}

static int
do_csv(struct cli_opts *o, const char *cmd)
{
	const char *verb = o->n_args > 0 ? o->args[0] : "";
	struct cli_resp r;
	char path[256], *data;
	size_t len;
	int rc;

	if ((strcmp(verb, "export") == 0 && o->n_args != 2) ||
	    (strcmp(verb, "import") == 0 && o->n_args != 3) ||
	    (strcmp(verb, "export") != 0 && strcmp(verb, "import") != 0))
		return cli_usage_error(cmd, "expected 'export KIND' or 'import KIND FILE'");
	rc = csv_path(cmd, o->args[1], verb[0] == 'e' ? "export_csv" : "import_csv", path,
		      sizeof(path));
	if (rc != CLI_OK)
		return rc;
	if (verb[0] == 'e') {
		rc = cli_http(&o->conn, "GET", path, NULL, NULL, 0, NULL, &r);
		if (rc != CLI_OK)
			return rc;
		rc = r.status >= 400 ? cli_print_api_error(&r) : write_out(o->output, r.body, r.len);
		cli_resp_fini(&r);
		return rc;
	}
	data = cli_read_file(o->args[2], &len);
	if (data == NULL) {
		fprintf(stderr, "tessctl: cannot read %s: %s\n", o->args[2], strerror(errno));
		return CLI_EUSAGE;
	}
	rc = cli_http(&o->conn, "POST", path, "text/csv; charset=utf-8", data, len, NULL, &r);
	free(data);
	if (rc != CLI_OK)
		return rc;
	if (r.status >= 400) {
		rc = cli_print_api_error(&r);
	} else {
		json_t *j = json_loadb(r.body, r.len, 0, NULL);

		if (o->json)
			cli_print_json(j);
		else
			printf("%s\n", json_string_value(json_object_get(j, "message")));
		json_decref(j);
	}
	cli_resp_fini(&r);
	return rc;
}

/* The passphrase: --passphrase, --passphrase-file, TESSCTL_BACKUP_PASSPHRASE, or a prompt. */
static int
get_passphrase(struct cli_opts *o, const char *cmd, char *out, size_t cap)
{
	const char *env = getenv("TESSCTL_BACKUP_PASSPHRASE");

	if (o->passphrase != NULL) {
		snprintf(out, cap, "%s", o->passphrase);
	} else if (o->passphrase_file != NULL) {
		size_t len;
		char *p = cli_read_file(o->passphrase_file, &len);

		if (p == NULL) {
			fprintf(stderr, "tessctl: cannot read %s\n", o->passphrase_file);
			return CLI_EUSAGE;
		}
		p[strcspn(p, "\r\n")] = '\0';
		snprintf(out, cap, "%s", p);
		explicit_bzero(p, len);
		free(p);
	} else if (env != NULL) {
		snprintf(out, cap, "%s", env);
	} else if (isatty(STDIN_FILENO)) {
		char *p = getpass("Backup passphrase: ");

		snprintf(out, cap, "%s", p != NULL ? p : "");
		if (p != NULL)
			explicit_bzero(p, strlen(p));
	} else {
		return cli_usage_error(cmd, "no passphrase: give --passphrase, --passphrase-file "
					    "or TESSCTL_BACKUP_PASSPHRASE");
	}
	if (strlen(out) < 8 || strchr(out, '\n') != NULL || strchr(out, '\r') != NULL)
		return cli_usage_error(cmd, "the passphrase needs at least 8 characters on one line");
	return CLI_OK;
}

static int
do_backup(struct cli_opts *o, const char *cmd)
{
	const char *verb = o->n_args > 0 ? o->args[0] : "";
	char pass[512], hdr[600];
	struct cli_resp r;
	char *data;
	size_t len;
	int rc;

	if ((strcmp(verb, "create") == 0 && o->n_args != 1) ||
	    (strcmp(verb, "restore") == 0 && o->n_args != 2) ||
	    (strcmp(verb, "create") != 0 && strcmp(verb, "restore") != 0))
		return cli_usage_error(cmd, "expected 'create -o FILE' or 'restore FILE'");
	if (verb[0] == 'c' && o->output == NULL && isatty(STDOUT_FILENO))
		return cli_usage_error(cmd, "give -o FILE (the backup is binary)");
	rc = get_passphrase(o, cmd, pass, sizeof(pass));
	if (rc != CLI_OK)
		return rc;
	if (verb[0] == 'c') {
		json_t *b = json_pack("{s:s}", "passphrase", pass);
		char *text = json_dumps(b, JSON_COMPACT);

		json_decref(b);
		rc = cli_http(&o->conn, "POST", COMMAND "platform/backup_create/", NULL, text,
			      text ? strlen(text) : 0, NULL, &r);
		if (text != NULL)
			explicit_bzero(text, strlen(text));
		free(text);
		explicit_bzero(pass, sizeof(pass));
		if (rc != CLI_OK)
			return rc;
		rc = r.status >= 400 ? cli_print_api_error(&r) : write_out(o->output, r.body, r.len);
		if (rc == CLI_OK && o->output != NULL && strcmp(o->output, "-") != 0)
			fprintf(stderr, "backup written to %s (%zu bytes)\n", o->output, r.len);
		cli_resp_fini(&r);
		return rc;
	}
	data = cli_read_file(o->args[1], &len);
	if (data == NULL) {
		explicit_bzero(pass, sizeof(pass));
		fprintf(stderr, "tessctl: cannot read %s: %s\n", o->args[1], strerror(errno));
		return CLI_EUSAGE;
	}
	snprintf(hdr, sizeof(hdr), "X-Tessera-Passphrase: %s", pass);
	explicit_bzero(pass, sizeof(pass));
	rc = cli_http(&o->conn, "POST", COMMAND "platform/backup_restore/",
		      "application/octet-stream", data, len, hdr, &r);
	explicit_bzero(hdr, sizeof(hdr));
	free(data);
	if (rc != CLI_OK)
		return rc;
	if (r.status >= 400) {
		rc = cli_print_api_error(&r);
	} else {
		json_t *j = json_loadb(r.body, r.len, 0, NULL);

		if (o->json)
			cli_print_json(j);
		else
			printf("%s\n", json_string_value(json_object_get(j, "message")));
		json_decref(j);
	}
	cli_resp_fini(&r);
	return rc;
}

int
cli_transfer_main(struct cli_opts *o, const char *cmd)
{
	return strcmp(cmd, "csv") == 0 ? do_csv(o, cmd) : do_backup(o, cmd);
}
