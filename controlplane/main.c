/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * main.c - tessera-node: options, the su_root main loop, shutdown.
 *
 * Options come from a config file (--config, "key = value" lines using the
 * long option names, as tessera-dataplane) and then the command line, which
 * wins. Configuration objects (routing rules, aliases) come from a JSON file
 * (--objects) until the sqlite replica exists.
 * Context: the cp main loop thread, the only thread of the process.
 * SIGTERM/SIGINT arrive through a signalfd on the loop: calls are hung up,
 * the SIP stack shuts down (at most CP_SHUTDOWN_MS), streams are deleted.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include <jansson.h>

#include "cp_bp.h"
#include "cp_ctl.h"
#include "cp_media.h"
#include "cp_replica.h"
#include "cp_sip.h"
#include "cp_sync.h"
#include "cp_tls.h"
#include "tsr_log.h"
#include "tsr_opts.h"

#define LOG_COMP "cp.main"
#define CP_SHUTDOWN_MS 3000

struct cp_opts {
	char objects[256];
	char sip_addr[64];
	char sip_addr6[64];
	char media_addr[64];
	char media_addr6[64];
	char tls_dir[256];
	char dp_sock[108];
	char ctl_sock[108];
	char bootstrap[256];
	char mgmt_url[256];
	char mgmt_token[256];
	char mgmt_cacert[256];
	char replica_db[256];
	char *mgmt_cert_pem; /* from the bootstrap document, owned */
	char *node_cert_pem, *node_key_pem, *ca_pem; /* the same, for the backplane; owned */
	char bp_addr[64];
	uint32_t bp_port; /* 0: no backplane */
	uint32_t bp_rekey_s;
	uint64_t bp_rekey_bytes;
	uint32_t capacity;
	char log_level[16];
	char node_name[64];
	char codecs[64];
	uint32_t test_call_delay_ms;
	uint32_t test_call_duration_s;
	uint32_t sip_port;
	uint32_t tls_port;
	uint32_t port_lo, port_hi;
	bool udp;
	bool tls;
};

struct cp_main {
	su_root_t *root;
	struct cp_sip *sip;
	su_timer_t *stop_timer;
	int sig_fd;
	bool stopping;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: tessera-node [OPTIONS]\n"
		"The control plane of a Tessera Conferencing Node: SIP signaling and the\n"
		"Distributed Gateway; media goes through tessera-dataplane.\n\n"
		"  -c, --config FILE        key = value options (long names), command line wins\n"
		"      --objects FILE       configuration objects (JSON, management API shape)\n"
		"      --media-addr A       node IPv4 media address (as given to the data plane) [required]\n"
		"      --media-addr6 A6     node IPv6 media address (optional)\n"
		"      --media-ports LO-HI  local media ports (default 40000-49999)\n"
		"      --dp-sock PATH       data plane control socket (default /run/tessera/dp.sock)\n"
		"      --ctl-sock PATH      this node's control socket (default /run/tessera/node.sock)\n"
		"      --bootstrap FILE     enrolment document from the management node (JSON with\n"
		"                           management_url, token, node_name)\n"
		"      --mgmt-url URL       management node (replication and status); overrides\n"
		"                           --bootstrap\n"
		"      --mgmt-token T       enrolment token (prefer --bootstrap: arguments are visible)\n"
		"      --mgmt-cacert FILE   CA bundle for the management node's certificate\n"
		"      --replica-db FILE    local configuration replica (default\n"
		"                           /var/lib/tessera/replica.db)\n"
		"      --sip-addr A         SIP bind and Contact address (default: --media-addr)\n"
		"      --sip-addr6 A6       also listen on this IPv6 address (dual stack; its own\n"
		"                           Via and Contact)\n"
		"      --sip-port N         SIP TCP (and UDP) port (default 5060)\n"
		"      --sip-tls-port N     SIP TLS port (default 5061)\n"
		"      --sip-udp[=on|off]   SIP over UDP (default off)\n"
		"      --sip-tls[=on|off]   SIP over TLS (default on)\n"
		"      --tls-dir DIR        agent.pem + cafile.pem; a self-signed pair is made if\n"
		"                           missing (default /var/lib/tessera/tls)\n"
		"      --node-name NAME     this node in status and logs (default: the SIP address)\n"
		"      --codecs LIST        audio codec preference (default opus,G722,PCMU,PCMA,G729)\n"
		"      --test-call-delay MS test call loopback delay (default 2000)\n"
		"      --test-call-duration S  test call loopback time before goodbye (default 10)\n"
		"      --backplane-port N   node-to-node control port, TCP (default 8444, 0: off)\n"
		"      --backplane-addr A   its address (default: --media-addr)\n"
		"      --backplane-rekey S  rekey backplane SAs every S seconds (default 3600)\n"
		"      --backplane-rekey-bytes N  ... or after N bytes (default 4294967296)\n"
		"      --capacity UNITS     capacity announced to peers (default: the data\n"
		"                           plane's self-test)\n"
		"      --log-level L        err, warn, info, debug (default info)\n"
		"  -h, --help               this text\n"
		"  -V, --version            print the version\n");
}

enum {
	O_OBJECTS = 256, O_MEDIA_ADDR, O_MEDIA_ADDR6, O_MEDIA_PORTS, O_DP_SOCK, O_SIP_ADDR,
	O_SIP_PORT, O_TLS_PORT, O_UDP, O_TLS, O_TLS_DIR, O_LOG_LEVEL, O_NODE_NAME, O_CODECS,
	O_TC_DELAY, O_TC_DURATION, O_CTL_SOCK, O_BOOTSTRAP, O_MGMT_URL, O_MGMT_TOKEN,
	O_MGMT_CACERT, O_REPLICA_DB, O_BP_PORT, O_BP_ADDR, O_BP_REKEY, O_BP_REKEY_BYTES, O_CAPACITY,
	O_SIP_ADDR6,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"objects", required_argument, NULL, O_OBJECTS},
	{"media-addr", required_argument, NULL, O_MEDIA_ADDR},
	{"media-addr6", required_argument, NULL, O_MEDIA_ADDR6},
	{"media-ports", required_argument, NULL, O_MEDIA_PORTS},
	{"dp-sock", required_argument, NULL, O_DP_SOCK},
	{"ctl-sock", required_argument, NULL, O_CTL_SOCK},
	{"bootstrap", required_argument, NULL, O_BOOTSTRAP},
	{"mgmt-url", required_argument, NULL, O_MGMT_URL},
	{"mgmt-token", required_argument, NULL, O_MGMT_TOKEN},
	{"mgmt-cacert", required_argument, NULL, O_MGMT_CACERT},
	{"replica-db", required_argument, NULL, O_REPLICA_DB},
	{"backplane-port", required_argument, NULL, O_BP_PORT},
	{"backplane-addr", required_argument, NULL, O_BP_ADDR},
	{"backplane-rekey", required_argument, NULL, O_BP_REKEY},
	{"backplane-rekey-bytes", required_argument, NULL, O_BP_REKEY_BYTES},
	{"capacity", required_argument, NULL, O_CAPACITY},
	{"sip-addr", required_argument, NULL, O_SIP_ADDR},
	{"sip-addr6", required_argument, NULL, O_SIP_ADDR6},
	{"sip-port", required_argument, NULL, O_SIP_PORT},
	{"sip-tls-port", required_argument, NULL, O_TLS_PORT},
	{"sip-udp", optional_argument, NULL, O_UDP},
	{"sip-tls", optional_argument, NULL, O_TLS},
	{"tls-dir", required_argument, NULL, O_TLS_DIR},
	{"log-level", required_argument, NULL, O_LOG_LEVEL},
	{"node-name", required_argument, NULL, O_NODE_NAME},
	{"codecs", required_argument, NULL, O_CODECS},
	{"test-call-delay", required_argument, NULL, O_TC_DELAY},
	{"test-call-duration", required_argument, NULL, O_TC_DURATION},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* A comma-separated list of codecs the media engine has. */
static int
check_codecs(const char *v)
{
	static const char *const known[] = {"opus", "G722", "PCMU", "PCMA", "G729"};

	while (*v != '\0') {
		size_t n = strcspn(v, ",");
		bool ok = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= strlen(known[i]) == n && strncasecmp(v, known[i], n) == 0;
		if (!ok)
			return -EINVAL;
		v += n;
		if (*v == ',')
			v++;
	}
	return 0;
}

static int
apply(struct cp_opts *o, int c, const char *v)
{
	char lo[16];
	const char *dash;

	switch (c) {
	case O_OBJECTS:
		return tsr_opts_str(o->objects, sizeof(o->objects), v);
	case O_MEDIA_ADDR:
		return tsr_opts_str(o->media_addr, sizeof(o->media_addr), v);
	case O_MEDIA_ADDR6:
		return tsr_opts_str(o->media_addr6, sizeof(o->media_addr6), v);
	case O_MEDIA_PORTS:
		dash = strchr(v, '-');
		if (dash == NULL || (size_t)(dash - v) >= sizeof(lo))
			return -EINVAL;
		memcpy(lo, v, (size_t)(dash - v));
		lo[dash - v] = '\0';
		if (tsr_opts_u32(lo, 1024, 65534, &o->port_lo) < 0 ||
		    tsr_opts_u32(dash + 1, o->port_lo + 1, 65535, &o->port_hi) < 0)
			return -EINVAL;
		return 0;
	case O_DP_SOCK:
		return tsr_opts_str(o->dp_sock, sizeof(o->dp_sock), v);
	case O_CTL_SOCK:
		return tsr_opts_str(o->ctl_sock, sizeof(o->ctl_sock), v);
	case O_BOOTSTRAP:
		return tsr_opts_str(o->bootstrap, sizeof(o->bootstrap), v);
	case O_MGMT_URL:
		return tsr_opts_str(o->mgmt_url, sizeof(o->mgmt_url), v);
	case O_MGMT_TOKEN:
		return tsr_opts_str(o->mgmt_token, sizeof(o->mgmt_token), v);
	case O_MGMT_CACERT:
		return tsr_opts_str(o->mgmt_cacert, sizeof(o->mgmt_cacert), v);
	case O_REPLICA_DB:
		return tsr_opts_str(o->replica_db, sizeof(o->replica_db), v);
	case O_BP_PORT:
		return tsr_opts_u32(v, 0, 65535, &o->bp_port);
	case O_BP_ADDR:
		return tsr_opts_str(o->bp_addr, sizeof(o->bp_addr), v);
	case O_BP_REKEY:
		return tsr_opts_u32(v, 0, 86400 * 7, &o->bp_rekey_s);
	case O_BP_REKEY_BYTES: {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || v[0] == '-')
			return -EINVAL;
		o->bp_rekey_bytes = n;
		return 0;
	}
	case O_CAPACITY:
		return tsr_opts_u32(v, 0, 1000000, &o->capacity);
	case O_SIP_ADDR:
		return tsr_opts_str(o->sip_addr, sizeof(o->sip_addr), v);
	case O_SIP_ADDR6:
		return tsr_opts_str(o->sip_addr6, sizeof(o->sip_addr6), v);
	case O_SIP_PORT:
		return tsr_opts_u32(v, 1, 65535, &o->sip_port);
	case O_TLS_PORT:
		return tsr_opts_u32(v, 1, 65535, &o->tls_port);
	case O_UDP:
		return tsr_opts_bool(v, &o->udp);
	case O_TLS:
		return tsr_opts_bool(v, &o->tls);
	case O_TLS_DIR:
		return tsr_opts_str(o->tls_dir, sizeof(o->tls_dir), v);
	case O_NODE_NAME:
		return tsr_opts_str(o->node_name, sizeof(o->node_name), v);
	case O_CODECS:
		return check_codecs(v) < 0 ? -EINVAL : tsr_opts_str(o->codecs, sizeof(o->codecs), v);
	case O_TC_DELAY:
		return tsr_opts_u32(v, 100, 5000, &o->test_call_delay_ms);
	case O_TC_DURATION:
		return tsr_opts_u32(v, 1, 3600, &o->test_call_duration_s);
	case O_LOG_LEVEL:
		if (tsr_log_level_parse(v) < 0)
			return -EINVAL;
		return tsr_opts_str(o->log_level, sizeof(o->log_level), v);
	default:
		return -EINVAL;
	}
}

static int
apply_cb(void *ctx, int opt, const char *val)
{
	return apply(ctx, opt, val);
}

/* Fill the management fields the command line left empty from the enrolment document. */
static int
read_bootstrap(struct cp_opts *o)
{
	json_error_t je;
	json_t *b = json_load_file(o->bootstrap, 0, &je);
	const char *url = json_string_value(json_object_get(b, "management_url"));
	const char *tok = json_string_value(json_object_get(b, "token"));
	const char *name = json_string_value(json_object_get(b, "node_name"));
	const char *pem = json_string_value(json_object_get(b, "management_certificate"));
	int rc = 0;

	if (b == NULL || url == NULL || tok == NULL) {
		fprintf(stderr, "tessera-node: %s: not an enrolment document (%s)\n", o->bootstrap,
			b == NULL ? je.text : "management_url and token are required");
		rc = -EINVAL;
	} else {
		if (o->mgmt_url[0] == '\0')
			rc |= tsr_opts_str(o->mgmt_url, sizeof(o->mgmt_url), url);
		if (o->mgmt_token[0] == '\0')
			rc |= tsr_opts_str(o->mgmt_token, sizeof(o->mgmt_token), tok);
		if (o->node_name[0] == '\0' && name != NULL)
			rc |= tsr_opts_str(o->node_name, sizeof(o->node_name), name);
		if (pem != NULL && strstr(pem, "BEGIN CERTIFICATE") != NULL)
			o->mgmt_cert_pem = strdup(pem);
		/* The node's backplane identity (stored next to the replica, see below). */
		pem = json_string_value(json_object_get(b, "node_certificate"));
		if (pem != NULL && strstr(pem, "BEGIN CERTIFICATE") != NULL)
			o->node_cert_pem = strdup(pem);
		pem = json_string_value(json_object_get(b, "node_private_key"));
		if (pem != NULL && strstr(pem, "PRIVATE KEY") != NULL)
			o->node_key_pem = strdup(pem);
		pem = json_string_value(json_object_get(b, "ca_certificate"));
		if (pem != NULL && strstr(pem, "BEGIN CERTIFICATE") != NULL)
			o->ca_pem = strdup(pem);
		if (rc != 0)
			fprintf(stderr, "tessera-node: %s: a field is too long\n", o->bootstrap);
	}
	json_decref(b);
	return rc != 0 ? -EINVAL : 0;
}

/*
 * The enrolment document carries the management node's certificate: keep it
 * next to the replica and trust only it (unless --mgmt-cacert says otherwise).
 */
static int
pin_mgmt_cert(struct cp_opts *o)
{
	char path[sizeof(o->mgmt_cacert)];
	FILE *f;
	int n;

	n = snprintf(path, sizeof(path), "%s.mgmt-ca.pem", o->replica_db);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	if (fputs(o->mgmt_cert_pem, f) < 0) {
		fclose(f);
		return -EIO;
	}
	if (fclose(f) != 0)
		return -EIO;
	strcpy(o->mgmt_cacert, path);
	return 0;
}

/* <replica_db><suffix> into @p path. */
static int
beside_replica(const struct cp_opts *o, const char *suffix, char *path, size_t cap)
{
	int n = snprintf(path, cap, "%s%s", o->replica_db, suffix);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Write @p text to @p path readable by the owner only. */
static int
write_private(const char *path, const char *text)
{
	size_t n = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600) != 0 || write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return -EIO;
	}
	return close(fd) == 0 ? 0 : -EIO;
}

/*
 * The node certificate, its key and the node CA from the enrolment document
 * go next to the replica (mode 0600), so a restart without the document
 * still has them. @return 0 when all three files are there.
 */
static int
store_node_identity(struct cp_opts *o, char paths[3][300])
{
	const char *const suffix[3] = {".node-cert.pem", ".node-key.pem", ".node-ca.pem"};
	char *pem[3] = {o->node_cert_pem, o->node_key_pem, o->ca_pem};
	int rc = 0;

	for (int i = 0; i < 3 && rc == 0; i++) {
		rc = beside_replica(o, suffix[i], paths[i], 300);
		if (rc == 0 && pem[i] != NULL)
			rc = write_private(paths[i], pem[i]);
		if (rc == 0 && access(paths[i], R_OK) != 0)
			rc = -ENOENT;
	}
	if (o->node_key_pem != NULL)
		explicit_bzero(o->node_key_pem, strlen(o->node_key_pem));
	return rc;
}

/* @return 0, 1 to exit successfully (help, version), or -EINVAL. */
static int
parse_opts(struct cp_opts *o, int argc, char **argv)
{
	int rc;

	memset(o, 0, sizeof(*o));
	strcpy(o->tls_dir, "/var/lib/tessera/tls");
	strcpy(o->dp_sock, "/run/tessera/dp.sock");
	strcpy(o->ctl_sock, "/run/tessera/node.sock");
	strcpy(o->replica_db, "/var/lib/tessera/replica.db");
	strcpy(o->log_level, "info");
	o->sip_port = 5060;
	o->tls_port = 5061;
	o->port_lo = 40000;
	o->port_hi = 49999;
	o->tls = true;
	strcpy(o->codecs, "opus,G722,PCMU,PCMA,G729");
	o->test_call_delay_ms = 2000;
	o->test_call_duration_s = 10;
	o->bp_port = CP_BP_DEFAULT_PORT;
	o->bp_rekey_s = 3600;
	o->bp_rekey_bytes = 4294967296ull;
	rc = tsr_opts_parse("tessera-node", TSR_VERSION, argc, argv, long_opts, O_OBJECTS, apply_cb,
			    usage, o);
	if (rc != 0)
		return rc;
	if (optind < argc) {
		fprintf(stderr, "tessera-node: unexpected argument: %s\n", argv[optind]);
		return -EINVAL;
	}
	if (o->media_addr[0] == '\0') {
		fprintf(stderr, "tessera-node: --media-addr is required\n");
		return -EINVAL;
	}
	if (o->sip_addr[0] == '\0')
		strcpy(o->sip_addr, o->media_addr);
	if (o->sip_addr6[0] != '\0' &&
	    (strchr(o->sip_addr6, ':') == NULL || strchr(o->sip_addr, ':') != NULL)) {
		fprintf(stderr, "tessera-node: --sip-addr6 must be an IPv6 address, with an IPv4 "
				"--sip-addr\n");
		return -EINVAL;
	}
	if (o->bootstrap[0] != '\0' && read_bootstrap(o) < 0)
		return -EINVAL;
	if ((o->mgmt_url[0] != '\0') != (o->mgmt_token[0] != '\0')) {
		fprintf(stderr, "tessera-node: --mgmt-url needs a token (--bootstrap or --mgmt-token)\n");
		return -EINVAL;
	}
	if (o->mgmt_url[0] != '\0' && o->objects[0] != '\0') {
		fprintf(stderr, "tessera-node: --objects and the management node exclude each other\n");
		return -EINVAL;
	}
	if (o->node_name[0] == '\0')
		snprintf(o->node_name, sizeof(o->node_name), "%s", o->sip_addr);
	if (o->bp_addr[0] == '\0')
		snprintf(o->bp_addr, sizeof(o->bp_addr), "%s", o->media_addr);
	return 0;
}

static void
on_stop_timer(struct cp_main *m, su_timer_t *t, su_timer_arg_t *arg)
{
	TSR_WARN(LOG_COMP, "sip stack did not stop in time, leaving anyway\ttimeout_ms=%d",
		 CP_SHUTDOWN_MS);
	su_root_break(m->root);
}

/* Hang up, shut the SIP stack down and leave the loop (at most CP_SHUTDOWN_MS). */
static void
begin_stop(struct cp_main *m)
{
	if (m->stopping)
		return;
	m->stopping = true;
	cp_sip_shutdown(m->sip);
	m->stop_timer = su_timer_create(su_root_task(m->root), CP_SHUTDOWN_MS);
	if (m->stop_timer == NULL || su_timer_set(m->stop_timer, on_stop_timer, NULL) < 0)
		su_root_break(m->root);
}

static int
on_signal(struct cp_main *m, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct signalfd_siginfo si;

	if (read(m->sig_fd, &si, sizeof(si)) != sizeof(si) || m->stopping)
		return 0;
	TSR_INFO(LOG_COMP, "stopping\tsignal=%u", si.ssi_signo);
	begin_stop(m);
	return 0;
}

static int
setup_signals(struct cp_main *m)
{
	su_wait_t w[1];
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	m->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->sig_fd < 0)
		return -errno;
	if (su_wait_create(w, m->sig_fd, SU_WAIT_IN) < 0 ||
	    su_root_register(m->root, w, on_signal, NULL, 0) < 0)
		return -EIO;
	return 0;
}

static int
run(struct cp_main *m, struct cp_opts *o)
{
	struct cp_replica *replica = NULL;
	struct cp_media *media = NULL;
	struct cp_bp *bp = NULL;
	struct cp_sync *sync = NULL;
	struct cp_ctl *ctl = NULL;
	struct cp_sip_cfg scfg;
	struct cp_ctl_info info;
	const char *source = "none";
	long long file_version = 0;
	char err[256] = "";
	int rc;

	if (o->objects[0] != '\0') {
		rc = cp_replica_load(o->objects, &replica, err, sizeof(err));
		source = "file";
		if (rc < 0) {
			TSR_ERR(LOG_COMP, "cannot load configuration objects\tpath=%s error=\"%s\"",
				o->objects, err);
			return rc;
		}
	} else if (o->mgmt_url[0] != '\0') {
		source = "management";
		rc = tsr_mkdir_parent(o->replica_db);
		if (rc == 0 && o->mgmt_cacert[0] == '\0' && o->mgmt_cert_pem != NULL)
			rc = pin_mgmt_cert(o);
		rc = rc < 0 ? rc : cp_sync_load(o->replica_db, &replica, err, sizeof(err));
		if (rc < 0)
			TSR_WARN(LOG_COMP, "local replica unusable, waiting for the management node"
				 "\tpath=%s error=\"%s\"", o->replica_db, err);
	}
	if (replica == NULL)
		replica = cp_replica_empty();
	if (replica == NULL)
		return -ENOMEM;
	TSR_INFO(LOG_COMP, "configuration loaded\tsource=%s version=%lld services=%u aliases=%u "
		 "rules=%u", source, replica->version, replica->n_services, replica->n_aliases,
		 replica->n_rules);
	rc = cp_media_create(o->dp_sock, (uint16_t)o->port_lo, (uint16_t)o->port_hi, &media);
	if (rc < 0)
		goto out;
	if (cp_media_ping(media) < 0)
		TSR_WARN(LOG_COMP, "data plane not reachable yet, calls will retry\tpath=%s",
			 o->dp_sock);
	if (o->tls) {
		rc = cp_tls_ensure(o->tls_dir, o->sip_addr);
		if (rc < 0) {
			TSR_ERR(LOG_COMP, "tls certificate directory unusable\tdir=%s err=%s",
				o->tls_dir, strerror(-rc));
			goto out;
		}
	}
	scfg = (struct cp_sip_cfg){
		.sip_addr = o->sip_addr,
		.sip_addr6 = o->sip_addr6[0] ? o->sip_addr6 : NULL,
		.port = (uint16_t)o->sip_port,
		.tls_port = (uint16_t)o->tls_port,
		.udp = o->udp,
		.tls = o->tls,
		.tls_dir = o->tls_dir,
		.media_addr = o->media_addr,
		.media_addr6 = o->media_addr6[0] ? o->media_addr6 : NULL,
		.node_name = o->node_name,
		.codecs = o->codecs,
		.test_call_delay_ms = o->test_call_delay_ms,
		.test_call_duration_s = o->test_call_duration_s,
	};
	rc = cp_sip_create(m->root, &scfg, media, replica, &m->sip);
	if (rc < 0)
		goto out;
	if (o->mgmt_url[0] != '\0') {
		struct cp_sync_cfg ycfg = {
			.mgmt_url = o->mgmt_url,
			.token = o->mgmt_token,
			.cacert = o->mgmt_cacert[0] ? o->mgmt_cacert : NULL,
			.replica_db = o->replica_db,
			.node_name = o->node_name,
		};

		rc = cp_sync_start(m->root, &ycfg, m->sip, replica, &sync);
		if (rc < 0) {
			TSR_ERR(LOG_COMP, "cannot start replication\terr=%s", strerror(-rc));
			goto out_sip;
		}
		replica = NULL; /* the sync owns it (and every later one) */
	}
	if (o->mgmt_url[0] != '\0' && o->bp_port != 0) {
		char paths[3][300];
		struct cp_bp_cfg bcfg = {
			.node_name = o->node_name,
			.listen_addr = o->bp_addr,
			.port = (uint16_t)o->bp_port,
			.media_addr = o->media_addr,
			.cert_file = paths[0],
			.key_file = paths[1],
			.ca_file = paths[2],
			.rekey_s = o->bp_rekey_s,
			.rekey_bytes = o->bp_rekey_bytes,
			.capacity = o->capacity,
		};

		rc = store_node_identity(o, paths);
		if (rc < 0)
			TSR_WARN(LOG_COMP, "no node certificate from the management node: conferences "
				 "stay on this node (no backplane)\terr=%s", strerror(-rc));
		else if (cp_bp_create(m->root, &bcfg, m->sip, &bp) == 0)
			m->sip->bp = bp;
	}
	info = (struct cp_ctl_info){
		.node_name = o->node_name,
		.config_version = sync ? cp_sync_version(sync) : &file_version,
		.config_source = source,
	};
	rc = tsr_mkdir_parent(o->ctl_sock);
	if (rc == 0)
		rc = cp_ctl_create(m->root, o->ctl_sock, m->sip, &info, &ctl);
	if (rc < 0) {
		TSR_ERR(LOG_COMP, "cannot create the control socket\tpath=%s err=%s", o->ctl_sock,
			strerror(-rc));
		goto out_sip;
	}
	TSR_INFO(LOG_COMP, "tessera-node ready\tversion=%s node=%s media_addr=%s media_ports=%u-%u "
		 "udp=%s tls=%s", TSR_VERSION, o->node_name, o->media_addr, o->port_lo, o->port_hi,
		 o->udp ? "on" : "off", o->tls ? "on" : "off");
	su_root_run(m->root);
	rc = 0;
	goto out_sip_down;
out_sip:
	begin_stop(m); /* NUA must shut down before it is destroyed */
	su_root_run(m->root);
out_sip_down:
	cp_ctl_destroy(ctl);
	if (m->sip != NULL)
		m->sip->bp = NULL; /* conferences that end from here on have no peers to tell */
	cp_bp_destroy(bp);
	cp_sip_destroy(m->sip); /* calls end while the replica they read still exists */
	m->sip = NULL;
	cp_sync_stop(sync);
out:
	cp_media_destroy(media);
	cp_replica_destroy(replica);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct cp_main m = {.sig_fd = -1};
	struct cp_opts o;
	int rc;

	rc = parse_opts(&o, argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	tsr_log_init((enum tsr_log_level)tsr_log_level_parse(o.log_level), 2);
	if (su_init() != 0) {
		TSR_ERR(LOG_COMP, "su_init failed");
		return 1;
	}
	m.root = su_root_create(&m);
	/* One thread: NUA's stack task runs on this loop instead of a thread of its own. */
	if (m.root != NULL)
		su_root_threading(m.root, 0);
	if (m.root == NULL || setup_signals(&m) < 0) {
		TSR_ERR(LOG_COMP, "cannot create the main loop");
		rc = -EIO;
		goto out;
	}
	rc = run(&m, &o);
out:
	free(o.mgmt_cert_pem);
	free(o.node_cert_pem);
	free(o.node_key_pem);
	free(o.ca_pem);
	if (m.stop_timer != NULL)
		su_timer_destroy(m.stop_timer);
	if (m.root != NULL)
		su_root_destroy(m.root);
	if (m.sig_fd >= 0)
		close(m.sig_fd);
	su_deinit();
	TSR_INFO(LOG_COMP, "stopped\tstatus=%d", rc);
	return rc < 0 ? 1 : 0;
}
