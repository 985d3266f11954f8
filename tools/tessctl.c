/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * tessctl.c - the operators' command-line tool: option parsing, help,
 * dispatch, and the two control sockets (`tessctl dp` for the data plane,
 * `tessctl node` for tessera-node; one JSON envelope for both).
 *
 * Everything else speaks to the management node's REST API (tools/cli/).
 * Exit codes: 0 success, 1 the API or daemon answered with an error,
 * 2 usage, 3 connection or TLS problem.
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

#include <curl/curl.h>
#include <jansson.h>

#include "cli/cli.h"
#include "config.h"

#define MAX_MSG 65536

static const char overview[] =
	"Usage: tessctl [OPTIONS] COMMAND [ARGS...]\n"
	"\n"
	"Configuration (any resource: 'tessctl resources'):\n"
	"  resources                         list the configuration resources\n"
	"  list RESOURCE [FIELD=VALUE...]    list objects (filters: name__contains=x ...)\n"
	"  show RESOURCE ID                  one object\n"
	"  create RESOURCE FIELD=VALUE...    create (or a JSON object: '{...}', @FILE, -)\n"
	"  update RESOURCE ID FIELD=VALUE... change fields (PATCH; --replace for PUT)\n"
	"  delete RESOURCE ID...             delete\n"
	"  schema RESOURCE                   the resource's fields and filters\n"
	"Status and history:\n"
	"  status [worker_vm|conference|participant|alarm|live] [ID | FIELD=VALUE...]\n"
	"  live [--watch N]                  locations, nodes, conferences, participants\n"
	"  history [conference|participant|alarm] [ID | FIELD=VALUE...]\n"
	"Conference control:\n"
	"  dial ALIAS DESTINATION [FIELD=VALUE...]   mute|unmute|disconnect PARTICIPANT\n"
	"  transfer PARTICIPANT ALIAS [role=R]       role PARTICIPANT guest|chair\n"
	"  lock|unlock|mute-guests|unmute-guests|disconnect-all CONFERENCE\n"
	"Bulk:\n"
	"  csv export KIND [-o FILE]         KIND: vmr, auditorium, reception, adp, device\n"
	"  csv import KIND FILE\n"
	"  backup create -o FILE             whole configuration, passphrase-encrypted\n"
	"  backup restore FILE\n"
	"Daemon control sockets:\n"
	"  dp [--sock PATH] [--raw] OP [JSON]    data plane (default $DP_CTL_SOCK)\n"
	"  node [--sock PATH] [--raw] OP [JSON]  tessera-node (default $NODE_CTL_SOCK)\n"
	"\n"
	"Options:\n"
	"  --url URL          management node (https://host:port); also TESSCTL_URL, MGMT_URL\n"
	"  --user NAME        account; also TESSCTL_USER, MGMT_USER\n"
	"  --password PASS    its password; also TESSCTL_PASS, MGMT_PASS\n"
	"  --cacert FILE      CA or pinned certificate; also TESSCTL_CACERT, MGMT_CACERT\n"
	"  -k, --insecure     do not verify the server's certificate\n"
	"  --config FILE      settings file (default ~/.config/tessctl.conf: url = ..., user =,\n"
	"                     password =, cacert =, insecure = true)\n"
	"  -j, --json         JSON output for scripts\n"
	"  --timeout S        request timeout (default 60)\n"
	"  -h, --help         help (after a command: that command's help)\n"
	"  -V, --version      print the version\n"
	"\n"
	"Exit status: 0 ok, 1 API error (message printed), 2 usage, 3 connection/TLS error.\n"
	"See tessctl(1) and docs/cli.md.\n";

static const struct {
	const char *cmd, *text;
} helps[] = {
	{"resources", "Usage: tessctl resources [--json]\n"
		      "Lists the configuration resources the management node serves.\n"},
	{"list", "Usage: tessctl list RESOURCE [FIELD=VALUE...] [--limit N] [--offset N] [--all]\n"
		 "                    [--order-by [-]FIELD] [--columns a,b,c] [--json]\n"
		 "Lists objects as a table. Filters are the API's: name=x, name__contains=x,\n"
		 "name__istartswith=x, priority__lte=100, creation_time__gte=2026-01-01T00:00:00.\n"
		 "--all fetches every page. With --json: the API's page (or, with --all, the\n"
		 "array of every object).\n"},
	{"show", "Usage: tessctl show RESOURCE ID [--json]\nPrints one object, one field a line.\n"},
	{"create",
	 "Usage: tessctl create RESOURCE FIELD=VALUE... | '{JSON}' | @FILE | -   [--json]\n"
	 "FIELD=VALUE is typed by the resource's schema: integers, booleans (true/false),\n"
	 "references by id, lists comma-separated (aliases=meet,7001); null for nullable\n"
	 "fields. FIELD:=JSON takes a JSON value as is (pin:='\"0123\"').\n"
	 "Prints the new object's URI (--json: the object).\n"},
	{"update", "Usage: tessctl update RESOURCE ID FIELD=VALUE... | '{JSON}' [--replace] [--json]\n"
		   "Changes the given fields (PATCH); --replace sends PUT (other fields to their\n"
		   "defaults).\n"},
	{"delete", "Usage: tessctl delete RESOURCE ID...\nDeletes the objects, stopping at the "
		   "first error.\n"},
	{"schema", "Usage: tessctl schema RESOURCE\nPrints the resource's schema (JSON).\n"},
	{"status", "Usage: tessctl status [VIEW] [ID | FIELD=VALUE...] [--all] [--json]\n"
		   "VIEW: worker_vm (default; node health, sync, load), conference, participant,\n"
		   "alarm, live (the topology).\n"},
	{"live", "Usage: tessctl live [--watch N] [--json]\n"
		 "Locations -> nodes -> conferences -> participants; --watch refreshes every N s.\n"},
	{"history", "Usage: tessctl history [conference|participant|alarm] [ID | FIELD=VALUE...]\n"
		    "Completed conferences, calls and alarms, e.g. history participant\n"
		    "end_time__gte=2026-05-01T00:00:00 --order-by -end_time.\n"},
	{"dial", "Usage: tessctl dial CONFERENCE_ALIAS DESTINATION [FIELD=VALUE...]\n"
		 "Dials out from the service reached by CONFERENCE_ALIAS. Fields: protocol,\n"
		 "role (guest|chair), call_type, routing, system_location, node, dtmf_sequence,\n"
		 "remote_display_name, streaming=true, keep_conference_alive.\n"},
	{"mute", "Usage: tessctl mute PARTICIPANT_ID\n"},
	{"unmute", "Usage: tessctl unmute PARTICIPANT_ID\n"},
	{"disconnect", "Usage: tessctl disconnect PARTICIPANT_ID\n"},
	{"transfer", "Usage: tessctl transfer PARTICIPANT_ID CONFERENCE_ALIAS [role=guest|chair]\n"},
	{"role", "Usage: tessctl role PARTICIPANT_ID guest|chair\n"},
	{"lock", "Usage: tessctl lock CONFERENCE_ID\n"
		 "CONFERENCE_ID: the status id (UUID) or the service's configuration id.\n"},
	{"unlock", "Usage: tessctl unlock CONFERENCE_ID\n"},
	{"mute-guests", "Usage: tessctl mute-guests CONFERENCE_ID\n"},
	{"unmute-guests", "Usage: tessctl unmute-guests CONFERENCE_ID\n"},
	{"disconnect-all", "Usage: tessctl disconnect-all CONFERENCE_ID\n"},
	{"csv", "Usage: tessctl csv export KIND [-o FILE]\n"
		"       tessctl csv import KIND FILE|-\n"
		"KIND: vmr, auditorium, reception (services), adp (automatically dialled\n"
		"participants), device (device aliases). Columns in the guide's order, header\n"
		"row on export. An import is all or nothing; errors are printed per row.\n"},
	{"backup", "Usage: tessctl backup create -o FILE [--passphrase P | --passphrase-file F]\n"
		   "       tessctl backup restore FILE [--passphrase P | --passphrase-file F]\n"
		   "The whole configuration in one AES-256-GCM file; the passphrase (8+\n"
		   "characters) also comes from TESSCTL_BACKUP_PASSPHRASE or a prompt. A wrong\n"
		   "passphrase or a changed file is refused and nothing is written.\n"},
	{"dp", "Usage: tessctl dp [--sock PATH] [--raw] OPERATION ['{JSON args}']\n"
	       "Data plane control socket ($DP_CTL_SOCK, else /run/tessera/dp.sock). Operations:\n"
	       "ping, stream.create, stream.update, stream.delete, stream.stats, stream.list,\n"
	       "port.stats, lcore.stats, conference.* (docs/dataplane.md). Prints the result\n"
	       "(--raw: the whole reply).\n"},
	{"node", "Usage: tessctl node [--sock PATH] [--raw] OPERATION ['{JSON args}']\n"
		 "tessera-node control socket ($NODE_CTL_SOCK, else /run/tessera/node.sock).\n"
		 "Operations: ping, status, conference_lock, participant_mute, participant_dial,\n"
		 "... (docs/signaling.md, \"Control socket\").\n"},
};

int
cli_help(FILE *f, const char *cmd)
{
	if (cmd == NULL) {
		fputs(overview, f);
		return 0;
	}
	if (strcmp(cmd, "ls") == 0)
		cmd = "list";
	else if (strcmp(cmd, "get") == 0)
		cmd = "show";
	else if (strcmp(cmd, "rm") == 0)
		cmd = "delete";
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++) {
		if (strcmp(helps[i].cmd, cmd) == 0) {
			fputs(helps[i].text, f);
			return 0;
		}
	}
	return -1;
}

/* One request on a SOCK_SEQPACKET control socket (data plane or node). */
static int
sock_call(const char *path, const char *op, const char *args_text, bool raw)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 10};
	json_error_t jerr;
	json_t *args = NULL, *req, *reply;
	char *out, *buf;
	ssize_t n;
	int fd, rc = CLI_ECONN;

	if (args_text != NULL) {
		args = json_loads(args_text, 0, &jerr);
		if (args == NULL) {
			fprintf(stderr, "tessctl: arguments are not JSON: %s\n", jerr.text);
			return CLI_EUSAGE;
		}
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		json_decref(args);
		fprintf(stderr, "tessctl: socket path too long\n");
		return CLI_EUSAGE;
	}
	req = json_pack("{s:i, s:i, s:s}", "v", 1, "id", (int)getpid(), "op", op);
	if (args != NULL)
		json_object_set_new(req, "args", args);
	out = json_dumps(req, JSON_COMPACT);
	json_decref(req);
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
	rc = json_is_true(json_object_get(reply, "ok")) ? CLI_OK : CLI_EAPI;
	{
		json_t *show = raw ? reply : json_object_get(reply, rc == 0 ? "result" : "error");
		char *text = json_dumps(show, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);

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

static int
do_socket(struct cli_opts *o, const char *cmd)
{
	const char *sock = o->sock;

	if (sock == NULL)
		sock = getenv(strcmp(cmd, "dp") == 0 ? "DP_CTL_SOCK" : "NODE_CTL_SOCK");
	if (sock == NULL)
		sock = strcmp(cmd, "dp") == 0 ? "/run/tessera/dp.sock" : "/run/tessera/node.sock";
	if (o->n_args < 1 || o->n_args > 2)
		return cli_usage_error(cmd, "expected OPERATION ['{JSON args}']");
	return sock_call(sock, o->args[0], o->n_args == 2 ? o->args[1] : NULL, o->raw);
}

enum {
	O_URL = 256,
	O_USER,
	O_PASSWORD,
	O_CACERT,
	O_CONFIG,
	O_TIMEOUT,
	O_LIMIT,
	O_OFFSET,
	O_ALL,
	O_ORDER_BY,
	O_COLUMNS,
	O_REPLACE,
	O_PASSPHRASE,
	O_PASSPHRASE_FILE,
	O_SOCK,
	O_RAW,
	O_WATCH,
};

static const struct option long_opts[] = {
	{"url", required_argument, NULL, O_URL},
	{"user", required_argument, NULL, O_USER},
	{"password", required_argument, NULL, O_PASSWORD},
	{"cacert", required_argument, NULL, O_CACERT},
	{"insecure", no_argument, NULL, 'k'},
	{"config", required_argument, NULL, O_CONFIG},
	{"json", no_argument, NULL, 'j'},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"limit", required_argument, NULL, O_LIMIT},
	{"offset", required_argument, NULL, O_OFFSET},
	{"all", no_argument, NULL, O_ALL},
	{"order-by", required_argument, NULL, O_ORDER_BY},
	{"columns", required_argument, NULL, O_COLUMNS},
	{"replace", no_argument, NULL, O_REPLACE},
	{"output", required_argument, NULL, 'o'},
	{"passphrase", required_argument, NULL, O_PASSPHRASE},
	{"passphrase-file", required_argument, NULL, O_PASSPHRASE_FILE},
	{"sock", required_argument, NULL, O_SOCK},
	{"raw", no_argument, NULL, O_RAW},
	{"watch", required_argument, NULL, O_WATCH},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static int
parse_long(const char *v, long lo, long hi, long *out)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno != 0 || *v == '\0' || *end != '\0' || x < lo || x > hi)
		return -EINVAL;
	*out = x;
	return 0;
}

static void
copy_opt(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v);
}

/* @return -1 to go on, else an exit code. */
static int
parse(int argc, char **argv, struct cli_opts *o, const char **config)
{
	int c, bad = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "kjo:hV", long_opts, NULL)) != -1) {
		switch (c) {
		case O_URL:
			copy_opt(o->conn.url, sizeof(o->conn.url), optarg);
			break;
		case O_USER:
			copy_opt(o->conn.user, sizeof(o->conn.user), optarg);
			break;
		case O_PASSWORD:
			copy_opt(o->conn.pass, sizeof(o->conn.pass), optarg);
			break;
		case O_CACERT:
			copy_opt(o->conn.cacert, sizeof(o->conn.cacert), optarg);
			break;
		case 'k':
			o->conn.insecure = true;
			break;
		case O_CONFIG:
			*config = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case O_TIMEOUT:
			bad |= parse_long(optarg, 1, 3600, &o->conn.timeout_s);
			break;
		case O_LIMIT:
			bad |= parse_long(optarg, 0, 100000, &o->limit);
			break;
		case O_OFFSET:
			bad |= parse_long(optarg, 0, 1L << 40, &o->offset);
			break;
		case O_ALL:
			o->all = true;
			break;
		case O_ORDER_BY:
			o->order_by = optarg;
			break;
		case O_COLUMNS:
			o->columns = optarg;
			break;
		case O_REPLACE:
			o->replace = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case O_PASSPHRASE:
			o->passphrase = optarg;
			break;
		case O_PASSPHRASE_FILE:
			o->passphrase_file = optarg;
			break;
		case O_SOCK:
			o->sock = optarg;
			break;
		case O_RAW:
			o->raw = true;
			break;
		case O_WATCH:
			bad |= parse_long(optarg, 1, 3600, &o->watch);
			break;
		case 'h':
			o->help = true;
			break;
		case 'V':
			printf("tessctl %s\n", TSR_VERSION);
			return CLI_OK;
		default:
			fprintf(stderr, "tessctl: unknown option or missing value: %s\n",
				argv[optind - 1]);
			fprintf(stderr, "Try 'tessctl --help'.\n");
			return CLI_EUSAGE;
		}
		if (bad) {
			fprintf(stderr, "tessctl: bad value for %s: %s\n", argv[optind - 1 < 1 ? 1 : optind - 1],
				optarg);
			return CLI_EUSAGE;
		}
	}
	o->args = argv + optind;
	o->n_args = argc - optind;
	return -1;
}

static int
dispatch(struct cli_opts *o)
{
	const char *cmd = o->args[0];

	o->args++;
	o->n_args--;
	if (strcmp(cmd, "dp") == 0 || strcmp(cmd, "node") == 0)
		return do_socket(o, cmd);
	if (strcmp(cmd, "resources") == 0 || strcmp(cmd, "list") == 0 || strcmp(cmd, "ls") == 0 ||
	    strcmp(cmd, "show") == 0 || strcmp(cmd, "get") == 0 || strcmp(cmd, "create") == 0 ||
	    strcmp(cmd, "update") == 0 || strcmp(cmd, "delete") == 0 || strcmp(cmd, "rm") == 0 ||
	    strcmp(cmd, "schema") == 0)
		return cli_config_main(o, cmd);
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "history") == 0 || strcmp(cmd, "live") == 0)
		return cli_status_main(o, cmd);
	if (cli_is_command(cmd))
		return cli_command_main(o, cmd);
	if (strcmp(cmd, "csv") == 0 || strcmp(cmd, "backup") == 0)
		return cli_transfer_main(o, cmd);
	fprintf(stderr, "tessctl: unknown command %s\nTry 'tessctl --help'.\n", cmd);
	return CLI_EUSAGE;
}

int
main(int argc, char **argv)
{
	struct cli_opts o = {.limit = -1, .offset = -1};
	const char *config = NULL;
	int rc;

	rc = parse(argc, argv, &o, &config);
	if (rc >= 0)
		return rc;
	if (o.n_args == 0) {
		cli_help(o.help ? stdout : stderr, NULL);
		return o.help ? CLI_OK : CLI_EUSAGE;
	}
	if (o.help) {
		if (cli_help(stdout, o.args[0]) == 0)
			return CLI_OK;
		fprintf(stderr, "tessctl: unknown command %s\nTry 'tessctl --help'.\n", o.args[0]);
		return CLI_EUSAGE;
	}
	if (strcmp(o.args[0], "dp") != 0 && strcmp(o.args[0], "node") != 0) {
		rc = cli_conn_resolve(&o.conn, config);
		if (rc != CLI_OK)
			return rc;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = dispatch(&o);
	curl_global_cleanup();
	explicit_bzero(o.conn.pass, sizeof(o.conn.pass));
	return rc;
}
