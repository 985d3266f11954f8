/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * main.c - tessera-mgmt: options, state directory, database, HTTPS server.
 *
 * Options come from a config file (--config, "key = value" lines using the
 * long option names) and then the command line, which wins; the same
 * scheme as tessera-dataplane. On first start the state directory gets the
 * database, a self-signed certificate (unless one is configured) and the
 * initial admin account (its generated password in admin-password, 0600).
 * Context: main thread. SIGTERM/SIGINT are blocked in every thread and
 * taken with sigwait() here; the server is stopped, requests in flight
 * finish, the database is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "mgmt_auth.h"
#include "mgmt_backup.h"
#include "mgmt_ca.h"
#include "mgmt_csv.h"
#include "mgmt_db.h"
#include "mgmt_http.h"
#include "mgmt_log.h"
#include "mgmt_metrics.h"
#include "mgmt_repl.h"
#include "mgmt_rest.h"
#include "mgmt_tls.h"
#include "mgmt_valid.h"
#include "tsr_log.h"
#include "tsr_opts.h"

#include <gnutls/crypto.h>

struct opts {
	char listen[64];
	uint32_t port;
	char state_dir[256];
	char db[320];
	char tls_cert[256];
	char tls_key[256];
	bool plain_http;
	char admin_user[65];
	char admin_password[129];
	uint32_t threads;
	uint32_t max_body;
	uint32_t max_depth;
	uint32_t page_limit;
	uint32_t page_limit_max;
	uint32_t pbkdf2_iterations;
	char log_level[16];
	char management_url[256];
	uint32_t max_node_body;
	uint32_t command_timeout;
	uint32_t node_timeout;
	uint32_t sync_timeout;
	uint32_t max_import_body;
	uint32_t backup_iterations;
	char log_dir[320];
	uint32_t log_segment_bytes;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: tessera-mgmt [options]\n"
		"\n"
		"The Tessera Management Node: configuration database and admin REST API.\n"
		"\n"
		"  -c, --config FILE            read options from FILE (\"key = value\", long "
		"names)\n"
		"      --listen ADDR            address to serve on (default 127.0.0.1)\n"
		"      --port N                 TCP port (default 8443)\n"
		"      --state-dir DIR          database, certificate, generated password\n"
		"                               (default /var/lib/tessera-mgmt)\n"
		"      --db FILE                database file (default STATE-DIR/mgmt.db)\n"
		"      --tls-cert FILE          PEM certificate (with --tls-key; default: a\n"
		"                               self-signed one generated into STATE-DIR)\n"
		"      --tls-key FILE           PEM private key\n"
		"      --plain-http             serve plain HTTP (loopback addresses only)\n"
		"      --admin-user NAME        initial admin account (default admin)\n"
		"      --admin-password PASS    its password (default: generated and written\n"
		"                               to STATE-DIR/admin-password, mode 0600)\n"
		"      --threads N              HTTP worker threads (default 2)\n"
		"      --max-body BYTES         largest request body (default 65536)\n"
		"      --max-depth N            deepest JSON nesting in a body (default %d)\n"
		"      --page-limit N           default page size (default 20)\n"
		"      --page-limit-max N       largest page size (default 1000)\n"
		"      --pbkdf2-iterations N    password hashing cost (default %d)\n"
		"      --management-url URL     this node's URL in node bootstrap documents\n"
		"                               (default: scheme and Host of the request)\n"
		"      --max-node-body BYTES    largest node status report (default 4194304)\n"
		"      --command-timeout S      how long a command waits for its node (default 5)\n"
		"      --node-timeout S         no status report for S s raises \"Connectivity\n"
		"                               lost between nodes\" (default 60)\n"
		"      --sync-timeout S         a node behind the configuration for S s raises\n"
		"                               \"Configuration not synchronized\" (default 10)\n"
		"      --max-import-body BYTES  largest CSV import or backup restore (default\n"
		"                               33554432)\n"
		"      --backup-iterations N    PBKDF2 rounds of new backup files (default %d)\n"
		"      --log-dir DIR            administrator and support logs (default\n"
		"                               STATE-DIR/logs)\n"
		"      --log-segment-bytes N    rotate a log file beyond N bytes (default 10485760)\n"
		"      --log-level LEVEL        err, warn, info (default) or debug\n"
		"  -h, --help                   this text\n"
		"  -V, --version                print the version\n",
		MGMT_VALID_MAX_DEPTH, MGMT_AUTH_DEFAULT_ITERATIONS, MGMT_BACKUP_ITERATIONS);
}

enum {
	O_LISTEN = 256,
	O_PORT,
	O_STATE_DIR,
	O_DB,
	O_TLS_CERT,
	O_TLS_KEY,
	O_PLAIN,
	O_ADMIN_USER,
	O_ADMIN_PASSWORD,
	O_THREADS,
	O_MAX_BODY,
	O_MAX_DEPTH,
	O_PAGE_LIMIT,
	O_PAGE_LIMIT_MAX,
	O_PBKDF2,
	O_LOG_LEVEL,
	O_MGMT_URL,
	O_MAX_NODE_BODY,
	O_CMD_TIMEOUT,
	O_NODE_TIMEOUT,
	O_SYNC_TIMEOUT,
	O_MAX_IMPORT_BODY,
	O_BACKUP_ITERATIONS,
	O_LOG_DIR,
	O_LOG_SEGMENT,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"listen", required_argument, NULL, O_LISTEN},
	{"port", required_argument, NULL, O_PORT},
	{"state-dir", required_argument, NULL, O_STATE_DIR},
	{"db", required_argument, NULL, O_DB},
	{"tls-cert", required_argument, NULL, O_TLS_CERT},
	{"tls-key", required_argument, NULL, O_TLS_KEY},
	{"plain-http", optional_argument, NULL, O_PLAIN},
	{"admin-user", required_argument, NULL, O_ADMIN_USER},
	{"admin-password", required_argument, NULL, O_ADMIN_PASSWORD},
	{"threads", required_argument, NULL, O_THREADS},
	{"max-body", required_argument, NULL, O_MAX_BODY},
	{"max-depth", required_argument, NULL, O_MAX_DEPTH},
	{"page-limit", required_argument, NULL, O_PAGE_LIMIT},
	{"page-limit-max", required_argument, NULL, O_PAGE_LIMIT_MAX},
	{"pbkdf2-iterations", required_argument, NULL, O_PBKDF2},
	{"log-level", required_argument, NULL, O_LOG_LEVEL},
	{"management-url", required_argument, NULL, O_MGMT_URL},
	{"max-node-body", required_argument, NULL, O_MAX_NODE_BODY},
	{"command-timeout", required_argument, NULL, O_CMD_TIMEOUT},
	{"node-timeout", required_argument, NULL, O_NODE_TIMEOUT},
	{"sync-timeout", required_argument, NULL, O_SYNC_TIMEOUT},
	{"max-import-body", required_argument, NULL, O_MAX_IMPORT_BODY},
	{"backup-iterations", required_argument, NULL, O_BACKUP_ITERATIONS},
	{"log-dir", required_argument, NULL, O_LOG_DIR},
	{"log-segment-bytes", required_argument, NULL, O_LOG_SEGMENT},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* Apply one option. @return 0 or -EINVAL. */
static int
apply(struct opts *o, int c, const char *v)
{
	switch (c) {
	case O_LISTEN:
		return tsr_opts_str(o->listen, sizeof(o->listen), v);
	case O_PORT:
		return tsr_opts_u32(v, 1, 65535, &o->port);
	case O_STATE_DIR:
		return tsr_opts_str(o->state_dir, sizeof(o->state_dir), v);
	case O_DB:
		return tsr_opts_str(o->db, sizeof(o->db), v);
	case O_TLS_CERT:
		return tsr_opts_str(o->tls_cert, sizeof(o->tls_cert), v);
	case O_TLS_KEY:
		return tsr_opts_str(o->tls_key, sizeof(o->tls_key), v);
	case O_PLAIN:
		return tsr_opts_bool(v, &o->plain_http);
	case O_ADMIN_USER:
		return tsr_opts_str(o->admin_user, sizeof(o->admin_user), v);
	case O_ADMIN_PASSWORD:
		if (strlen(v) < 8)
			return -EINVAL;
		return tsr_opts_str(o->admin_password, sizeof(o->admin_password), v);
	case O_THREADS:
		return tsr_opts_u32(v, 1, 64, &o->threads);
	case O_MAX_BODY:
		return tsr_opts_u32(v, 1024, 64u << 20, &o->max_body);
	case O_MAX_DEPTH:
		return tsr_opts_u32(v, 2, 64, &o->max_depth);
	case O_PAGE_LIMIT:
		return tsr_opts_u32(v, 1, 100000, &o->page_limit);
	case O_PAGE_LIMIT_MAX:
		return tsr_opts_u32(v, 1, 100000, &o->page_limit_max);
	case O_PBKDF2:
		return tsr_opts_u32(v, MGMT_AUTH_MIN_ITERATIONS, 10000000, &o->pbkdf2_iterations);
	case O_LOG_LEVEL:
		if (tsr_log_level_parse(v) < 0)
			return -EINVAL;
		return tsr_opts_str(o->log_level, sizeof(o->log_level), v);
	case O_MGMT_URL:
		if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
			return -EINVAL;
		return tsr_opts_str(o->management_url, sizeof(o->management_url), v);
	case O_MAX_NODE_BODY:
		return tsr_opts_u32(v, 1024, 256u << 20, &o->max_node_body);
	case O_CMD_TIMEOUT:
		return tsr_opts_u32(v, 1, 60, &o->command_timeout);
	case O_NODE_TIMEOUT:
		return tsr_opts_u32(v, 1, 86400, &o->node_timeout);
	case O_SYNC_TIMEOUT:
		return tsr_opts_u32(v, 1, 86400, &o->sync_timeout);
	case O_MAX_IMPORT_BODY:
		return tsr_opts_u32(v, 1024, 1024u << 20, &o->max_import_body);
	case O_BACKUP_ITERATIONS:
		return tsr_opts_u32(v, 1000, 10000000, &o->backup_iterations);
	case O_LOG_DIR:
		return tsr_opts_str(o->log_dir, sizeof(o->log_dir), v);
	case O_LOG_SEGMENT:
		return tsr_opts_u32(v, 4096, 1u << 30, &o->log_segment_bytes);
	default:
		return -EINVAL;
	}
}

static int
apply_cb(void *ctx, int opt, const char *val)
{
	return apply(ctx, opt, val);
}

static void
defaults(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	strcpy(o->listen, "127.0.0.1");
	o->port = 8443;
	strcpy(o->state_dir, "/var/lib/tessera-mgmt");
	strcpy(o->admin_user, "admin");
	o->threads = 2;
	o->max_body = 65536;
	o->max_depth = MGMT_VALID_MAX_DEPTH;
	o->page_limit = 20;
	o->page_limit_max = 1000;
	o->pbkdf2_iterations = MGMT_AUTH_DEFAULT_ITERATIONS;
	strcpy(o->log_level, "info");
	o->max_node_body = 4u << 20;
	o->command_timeout = 5;
	o->node_timeout = MGMT_REPL_CONTACT_TIMEOUT;
	o->sync_timeout = MGMT_REPL_SYNC_TIMEOUT;
	o->max_import_body = 32u << 20;
	o->backup_iterations = MGMT_BACKUP_ITERATIONS;
	o->log_segment_bytes = 10u << 20;
}

/* @return 0, 1 to exit successfully (help/version), -EINVAL. */
static int
parse_opts(struct opts *o, int argc, char **argv)
{
	int rc;

	defaults(o);
	rc = tsr_opts_parse("tessera-mgmt", TSR_VERSION, argc, argv, long_opts, O_LISTEN, apply_cb,
			    usage, o);
	if (rc != 0)
		return rc;
	if (optind < argc) {
		fprintf(stderr, "tessera-mgmt: unexpected argument %s\n", argv[optind]);
		return -EINVAL;
	}
	if ((o->tls_cert[0] == '\0') != (o->tls_key[0] == '\0')) {
		fprintf(stderr, "tessera-mgmt: --tls-cert and --tls-key go together\n");
		return -EINVAL;
	}
	if (o->plain_http && !mgmt_http_is_loopback(o->listen)) {
		fprintf(stderr,
			"tessera-mgmt: --plain-http is only allowed on a loopback address\n");
		return -EINVAL;
	}
	if (o->page_limit > o->page_limit_max)
		o->page_limit = o->page_limit_max;
	if (o->db[0] == '\0')
		snprintf(o->db, sizeof(o->db), "%s/mgmt.db", o->state_dir);
	if (o->log_dir[0] == '\0')
		snprintf(o->log_dir, sizeof(o->log_dir), "%s/logs", o->state_dir);
	return 0;
}

static int
make_state_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (stat(dir, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/*
 * The platform secret that encrypts device passwords in CSV exports:
 * STATE-DIR/secret.key, 32 random bytes made on first start (0600).
 */
static int
load_secret(const char *dir, unsigned char *key)
{
	char path[320];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/secret.key", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, key, MGMT_CSV_SECRET_LEN);
		close(fd);
		return n == MGMT_CSV_SECRET_LEN ? 0 : -EINVAL;
	}
	if (errno != ENOENT)
		return -errno;
	if (gnutls_rnd(GNUTLS_RND_KEY, key, MGMT_CSV_SECRET_LEN) != 0)
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = write(fd, key, MGMT_CSV_SECRET_LEN);
	if (fsync(fd) < 0 || close(fd) < 0 || n != MGMT_CSV_SECRET_LEN) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

/* The monitor: alarms and command expiry, once a second. */
struct monitor {
	struct mgmt_repl *repl;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

static void *
monitor_main(void *arg)
{
	struct monitor *m = arg;
	struct timespec t;

	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		pthread_mutex_unlock(&m->lock);
		mgmt_repl_tick(m->repl);
		pthread_mutex_lock(&m->lock);
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += 1;
		if (!m->stop)
			pthread_cond_timedwait(&m->cond, &m->lock, &t);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* The administrator and support logs (with syslog forwarding) and the metrics. */
static int
start_logs(const struct opts *o, struct mgmt_db *db, struct mgmt_log **log,
	   struct mgmt_metrics **metrics)
{
	char host[256] = "", pid[16];
	struct mgmt_log_cfg lc = {.dir = o->log_dir,
				  .system = host,
				  .segment_bytes = o->log_segment_bytes,
				  /* guide part 5 §2.25 FR-LOG-11: admin 1 GB, support 2 GB */
				  .admin_keep = (unsigned int)((1ull << 30) / o->log_segment_bytes),
				  .support_keep = (unsigned int)((2ull << 30) / o->log_segment_bytes),
				  .db = db};
	json_t *p;
	int rc;

	gethostname(host, sizeof(host) - 1);
	rc = mgmt_metrics_create(metrics);
	if (rc == 0)
		rc = mgmt_log_create(&lc, log);
	if (rc < 0) {
		TSR_ERR("mgmt.log", "cannot open the logs\tdir=%s err=\"%s\"", o->log_dir,
			strerror(-rc));
		return rc;
	}
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	p = json_pack("{s:s,s:s}", "Pid", pid, "Version", TSR_VERSION);
	mgmt_log_write(*log, NULL, NULL, "INFO", "administrator.system",
		       "Starting Tessera application.", p);
	json_decref(p);
	return 0;
}

/* What the database and replication callbacks reach. */
struct app {
	struct mgmt_http *http;
	struct mgmt_log *log;
};

static void
on_config_commit(void *arg, int64_t version)
{
	struct app *a = arg;

	(void)version;
	mgmt_http_wake(a->http);
	mgmt_log_config_changed(a->log); /* the syslog servers may have changed */
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff]" (UTC) -> timespec; @return false when it is not that. */
static bool
parse_utc(const char *s, struct timespec *out)
{
	struct tm tm = {0};
	const char *p = s != NULL ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	long ns = 0, scale = 100000000;

	if (p == NULL)
		return false;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ns += (*p - '0') * scale;
	out->tv_sec = timegm(&tm);
	out->tv_nsec = ns;
	return true;
}

static void
on_admin_log(void *arg, const char *system, const char *time, const char *level,
	     const char *module, const char *message, const json_t *params)
{
	struct app *a = arg;
	struct timespec when;

	mgmt_log_write(a->log, system, parse_utc(time, &when) ? &when : NULL, level, module,
		       message, params);
}

static int
serve(const struct opts *o, struct mgmt_db *db, struct mgmt_auth *auth, struct mgmt_repl *repl,
      struct mgmt_log *log, struct mgmt_metrics *metrics, const sigset_t *sigs)
{
	struct mgmt_rest rest = {
		.db = db,
		.auth = auth,
		.repl = repl,
		.log = log,
		.metrics = metrics,
		.cfg = {.default_limit = o->page_limit,
			.max_limit = o->page_limit_max,
			.max_depth = (int)o->max_depth,
			.pbkdf2_iterations = o->pbkdf2_iterations,
			.management_url = o->management_url[0] ? o->management_url : NULL,
			.plain = o->plain_http,
			.command_timeout_s = o->command_timeout,
			.backup_iterations = o->backup_iterations},
	};
	unsigned char secret[MGMT_CSV_SECRET_LEN];
	struct app app;
	struct monitor mon = {.repl = repl};
	pthread_t mon_thread;
	struct mgmt_http_cfg hc = {
		.listen = o->listen,
		.port = (uint16_t)o->port,
		.plain = o->plain_http,
		.threads = o->threads,
		.max_body = o->max_body,
		.max_node_body = o->max_node_body,
		.max_import_body = o->max_import_body,
	};
	char *cert = NULL, *key = NULL;
	struct mgmt_http *http = NULL;
	int rc, sig = 0;

	if (!o->plain_http) {
		rc = mgmt_tls_load(o->state_dir, o->tls_cert[0] ? o->tls_cert : NULL,
				   o->tls_key[0] ? o->tls_key : NULL, o->listen, &cert, &key);
		if (rc < 0) {
			TSR_ERR("mgmt.tls", "cannot load the certificate\terr=\"%s\"",
				strerror(-rc));
			return rc;
		}
		hc.cert_pem = cert;
		hc.key_pem = key;
		rest.cfg.cert_pem = cert;
	}
	if (load_secret(o->state_dir, secret) == 0)
		rest.cfg.secret = secret;
	else
		TSR_WARN("mgmt", "no platform secret: CSV exports leave device passwords blank"
			 "\tdir=%s", o->state_dir);
	/* The node CA: without it bootstrap documents carry no node certificate. */
	if (mgmt_ca_open(o->state_dir, &rest.cfg.ca) < 0)
		TSR_WARN("mgmt.ca", "node CA unavailable: nodes get no backplane certificate"
			 "\tdir=%s", o->state_dir);
	rc = mgmt_http_start(&hc, &rest, auth, &http);
	if (key != NULL)
		explicit_bzero(key, strlen(key));
	app.http = http;
	app.log = log;
	if (rc == 0) {
		mgmt_db_set_notify(db, on_config_commit, &app);
		mgmt_repl_set_callbacks(repl, mgmt_http_wake, http, on_admin_log, &app);
		pthread_mutex_init(&mon.lock, NULL);
		pthread_cond_init(&mon.cond, NULL);
		if (pthread_create(&mon_thread, NULL, monitor_main, &mon) != 0)
			rc = -ENOMEM;
	}
	if (rc == 0) {
		sigwait(sigs, &sig);
		TSR_INFO("mgmt", "stopping\tsignal=%d", sig);
		pthread_mutex_lock(&mon.lock);
		mon.stop = true;
		pthread_cond_signal(&mon.cond);
		pthread_mutex_unlock(&mon.lock);
		pthread_join(mon_thread, NULL);
		mgmt_http_stop(http);
		mgmt_db_set_notify(db, NULL, NULL);
		mgmt_repl_set_callbacks(repl, NULL, NULL, NULL, NULL);
	}
	mgmt_ca_close(rest.cfg.ca);
	explicit_bzero(secret, sizeof(secret));
	free(cert);
	free(key);
	return rc;
}

int
main(int argc, char **argv)
{
	struct mgmt_db *db = NULL;
	struct mgmt_auth *auth = NULL;
	struct mgmt_repl *repl = NULL;
	char pwfile[320];
	sigset_t sigs;
	struct opts o;
	struct mgmt_log *log = NULL;
	struct mgmt_metrics *metrics = NULL;
	int rc;

	rc = parse_opts(&o, argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	tsr_log_init((enum tsr_log_level)tsr_log_level_parse(o.log_level), 2);
	/* Block the stop signals before any thread exists; main takes them with sigwait(). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = make_state_dir(o.state_dir);
	if (rc < 0) {
		TSR_ERR("mgmt", "cannot use the state directory\tdir=%s err=\"%s\"", o.state_dir,
			strerror(-rc));
		return 1;
	}
	rc = mgmt_db_create(o.db, o.threads + 1, &db);
	if (rc < 0) {
		TSR_ERR("mgmt.db", "cannot open the database\tpath=%s err=\"%s\"", o.db,
			strerror(-rc));
		return 1;
	}
	snprintf(pwfile, sizeof(pwfile), "%s/admin-password", o.state_dir);
	rc = mgmt_auth_bootstrap(db, o.admin_user, o.admin_password[0] ? o.admin_password : NULL,
				 pwfile, o.pbkdf2_iterations);
	explicit_bzero(o.admin_password, sizeof(o.admin_password));
	if (rc >= 0)
		rc = mgmt_auth_create(db, &auth);
	if (rc >= 0)
		rc = mgmt_repl_create(db, &repl);
	if (rc >= 0)
		mgmt_repl_set_timeouts(repl, o.node_timeout, o.sync_timeout);
	if (rc < 0) {
		TSR_ERR("mgmt.auth", "cannot set up accounts\terr=\"%s\"", strerror(-rc));
		mgmt_auth_destroy(auth);
		mgmt_db_destroy(db);
		return 1;
	}
	TSR_INFO("mgmt", "tessera-mgmt started\tversion=%s db=%s", TSR_VERSION, o.db);
	rc = start_logs(&o, db, &log, &metrics);
	if (rc == 0)
		rc = serve(&o, db, auth, repl, log, metrics, &sigs);
	mgmt_repl_destroy(repl);
	mgmt_log_destroy(log);
	mgmt_metrics_destroy(metrics);
	mgmt_auth_destroy(auth);
	mgmt_db_destroy(db);
	TSR_INFO("mgmt", "tessera-mgmt stopped\tstatus=%s", rc == 0 ? "ok" : "error");
	return rc == 0 ? 0 : 1;
}
