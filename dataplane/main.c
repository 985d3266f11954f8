/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * main.c - tessera-dataplane: options, EAL, ports, lcores, shutdown.
 *
 * Options come from a config file (--config, "key = value" lines using the
 * long option names) and then the command line, which wins. Arguments after
 * "--" go to EAL unchanged.
 * Context: main thread. SIGTERM/SIGINT set dm->quit; every loop ends, ports
 * are stopped, keys wiped and EAL cleaned up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "codec_prompt_dirs.h"
#include "config.h"
#include "dp_ctl.h"
#include "codec_selftest.h"
#include "dp_lcore.h"
#include "dp_main.h"
#include "dp_port.h"
#include "tsr_log.h"
#include "tsr_opts.h"

#define MAX_EAL_ARGS 64

struct opts {
	enum dp_mode mode;
	enum dp_wire_driver driver;
	char wire[64];
	char tap[64];
	char pci[64];
	char ctl_sock[256];
	char lcores[64];
	char io_lcores[64]; /* empty: every worker lcore (or main alone) */
	char worker_lcores[64]; /* empty: conferences run on the io lcores */
	char log_level[16];
	char prompt_dir[PATH_MAX]; /* empty: next to the executable (see default_prompt_dir()) */
	uint32_t max_streams;
	uint32_t idle_sleep_max_us;
	uint32_t mem_mb;
	uint32_t mbufs;
	bool telemetry;
	struct dp_addr addr[DP_MAX_ADDR];
	uint32_t n_addr;
	struct dp_addr gw4, gw6;
};

static struct dp_main *main_ctx; /* for the signal handler only */

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: tessera-dataplane [options] [-- EAL arguments]\n"
		"\n"
		"The media plane of a Tessera Conferencing Node (DPDK primary process).\n"
		"\n"
		"  -c, --config FILE          read options from FILE (\"key = value\", long names)\n"
		"      --mode MODE            embedded (default: no hugepages, virtual ports)\n"
		"                             or bare-metal (PCI NIC or SR-IOV VF, hugepages)\n"
		"      --wire IFACE           netdev to drive in embedded mode (default wire0)\n"
		"      --wire-driver DRV      af_packet (default) or af_xdp\n"
		"      --pci BDF              bare-metal: the NIC or VF (e.g. 0000:3b:00.1)\n"
		"      --tap IFACE            exception TAP to the kernel (default tsrex0; \"none\")\n"
		"      --addr ADDR/LEN        a node address, IPv4 or IPv6 (repeatable, max 8;\n"
		"                             --addr6 is the same option)\n"
		"      --gateway ADDR         next hop for remotes off the node's prefixes\n"
		"      --ctl-sock PATH        control socket (default /run/tessera/dp.sock)\n"
		"      --lcores LIST          EAL lcore list (default 0-1; one lcore = io on main)\n"
		"      --io-lcores LIST       lcores running the io role (default: every worker\n"
		"                             lcore); the others are left to media workers\n"
		"      --worker-lcores LIST   lcores that run conferences only (default: none,\n"
		"                             the io lcores run them); not the main lcore\n"
		"      --telemetry on|off     DPDK telemetry socket with /tessera/... commands\n"
		"                             (default on)\n"
		"      --max-streams N        stream table size (default 32768)\n"
		"      --idle-sleep-max-us N  longest idle sleep of an io lcore (default 500; 0 = spin)\n"
		"      --mem-mb N             embedded mode memory (default 256)\n"
		"      --mbufs N              packet buffers (default 16383)\n"
		"      --log-level LEVEL      err, warn, info (default) or debug\n"
		"      --prompt-dir DIR       conference prompts, <name>.wav each (default: the\n"
		"                             build's prompts, or <datadir>/tessera/prompts)\n"
		"  -h, --help                 this text\n"
		"  -V, --version              print the version\n");
}

static int
parse_addr(const char *s, struct dp_addr *a, bool with_len)
{
	char buf[64], *slash;
	long plen;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if ((slash == NULL) == with_len)
		return -EINVAL;
	if (slash != NULL)
		*slash = '\0';
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, buf, a->addr) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a->addr) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	if (slash == NULL)
		return 0;
	plen = strtol(slash + 1, NULL, 10);
	if (plen < 1 || plen > (a->family == AF_INET ? 32 : 128))
		return -EINVAL;
	a->plen = (uint8_t)plen;
	return 0;
}

enum {
	O_MODE = 256, O_WIRE, O_WIRE_DRIVER, O_PCI, O_TAP, O_ADDR, O_GATEWAY, O_CTL_SOCK,
	O_LCORES, O_IO_LCORES, O_WORKER_LCORES, O_TELEMETRY, O_MAX_STREAMS, O_IDLE, O_MEM, O_MBUFS, O_LOG_LEVEL,
	O_PROMPT_DIR,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"mode", required_argument, NULL, O_MODE},
	{"wire", required_argument, NULL, O_WIRE},
	{"wire-driver", required_argument, NULL, O_WIRE_DRIVER},
	{"pci", required_argument, NULL, O_PCI},
	{"tap", required_argument, NULL, O_TAP},
	{"addr", required_argument, NULL, O_ADDR},
	{"addr6", required_argument, NULL, O_ADDR},
	{"gateway", required_argument, NULL, O_GATEWAY},
	{"ctl-sock", required_argument, NULL, O_CTL_SOCK},
	{"lcores", required_argument, NULL, O_LCORES},
	{"io-lcores", required_argument, NULL, O_IO_LCORES},
	{"worker-lcores", required_argument, NULL, O_WORKER_LCORES},
	{"telemetry", required_argument, NULL, O_TELEMETRY},
	{"max-streams", required_argument, NULL, O_MAX_STREAMS},
	{"idle-sleep-max-us", required_argument, NULL, O_IDLE},
	{"mem-mb", required_argument, NULL, O_MEM},
	{"mbufs", required_argument, NULL, O_MBUFS},
	{"log-level", required_argument, NULL, O_LOG_LEVEL},
	{"prompt-dir", required_argument, NULL, O_PROMPT_DIR},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* Apply one option; @return 0, 1 to exit successfully (help/version), -EINVAL. */
static int
apply(struct opts *o, int c, const char *v)
{
	struct dp_addr a;

	switch (c) {
	case O_MODE:
		if (strcmp(v, "embedded") == 0)
			o->mode = DP_MODE_EMBEDDED;
		else if (strcmp(v, "bare-metal") == 0)
			o->mode = DP_MODE_BARE_METAL;
		else
			return -EINVAL;
		return 0;
	case O_WIRE:
		return tsr_opts_str(o->wire, sizeof(o->wire), v);
	case O_WIRE_DRIVER:
		if (strcmp(v, "af_packet") == 0)
			o->driver = DP_WIRE_AF_PACKET;
		else if (strcmp(v, "af_xdp") == 0)
			o->driver = DP_WIRE_AF_XDP;
		else
			return -EINVAL;
		return 0;
	case O_PCI:
		return tsr_opts_str(o->pci, sizeof(o->pci), v);
	case O_TAP:
		return tsr_opts_str(o->tap, sizeof(o->tap), v);
	case O_ADDR:
		if (o->n_addr == DP_MAX_ADDR || parse_addr(v, &a, true) < 0)
			return -EINVAL;
		o->addr[o->n_addr++] = a;
		return 0;
	case O_GATEWAY:
		if (parse_addr(v, &a, false) < 0)
			return -EINVAL;
		if (a.family == AF_INET)
			o->gw4 = a;
		else
			o->gw6 = a;
		return 0;
	case O_CTL_SOCK:
		return tsr_opts_str(o->ctl_sock, sizeof(o->ctl_sock), v);
	case O_LCORES:
		return tsr_opts_str(o->lcores, sizeof(o->lcores), v);
	case O_IO_LCORES:
		return tsr_opts_str(o->io_lcores, sizeof(o->io_lcores), v);
	case O_WORKER_LCORES:
		return tsr_opts_str(o->worker_lcores, sizeof(o->worker_lcores), v);
	case O_TELEMETRY:
		if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
			return -EINVAL;
		o->telemetry = strcmp(v, "on") == 0;
		return 0;
	case O_MAX_STREAMS:
		return tsr_opts_u32(v, 2, 1u << 20, &o->max_streams);
	case O_IDLE:
		return tsr_opts_u32(v, 0, 100000, &o->idle_sleep_max_us);
	case O_MEM:
		return tsr_opts_u32(v, 64, 1u << 20, &o->mem_mb);
	case O_MBUFS:
		return tsr_opts_u32(v, 1023, 1u << 24, &o->mbufs);
	case O_LOG_LEVEL:
		if (tsr_log_level_parse(v) < 0)
			return -EINVAL;
		return tsr_opts_str(o->log_level, sizeof(o->log_level), v);
	case O_PROMPT_DIR:
		return tsr_opts_str(o->prompt_dir, sizeof(o->prompt_dir), v);
	default:
		return -EINVAL;
	}
}

/*
 * The prompt directory when --prompt-dir is not given: relative to the
 * executable, an installed tree (bindir/../<datadir>/tessera/prompts), then
 * the build tree (dataplane/../codecs/prompts); else the configured install
 * path. The first that exists wins.
 */
static void
default_prompt_dir(char *out, size_t cap)
{
	static const char *const rel[] = {TSR_PROMPT_DIR_REL_INSTALL, TSR_PROMPT_DIR_REL_BUILD};
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			*slash = '\0';
			for (unsigned int i = 0; i < RTE_DIM(rel); i++) {
				if ((size_t)snprintf(out, cap, "%s/%s", exe, rel[i]) < cap &&
				    access(out, R_OK | X_OK) == 0)
					return;
			}
		}
	}
	snprintf(out, cap, "%s", TSR_PROMPT_DIR_INSTALL);
}

/* Load the prompt set at start; each missing prompt is logged once, never fatal. */
static void
load_prompts(const struct opts *o)
{
	char dir[PATH_MAX];
	int errs[CODEC_PROMPT_COUNT];
	unsigned int n;

	if (o->prompt_dir[0] != '\0')
		snprintf(dir, sizeof(dir), "%s", o->prompt_dir);
	else
		default_prompt_dir(dir, sizeof(dir));
	n = dp_conf_prompts_load(dir, errs);
	for (unsigned int i = 0; i < CODEC_PROMPT_COUNT; i++)
		if (errs[i] < 0)
			TSR_WARN("dp.main", "prompt not loaded: conference.prompt will refuse it"
				 "\tprompt=%s dir=\"%s\" err=\"%s\"", codec_prompt_name(i), dir,
				 errs[i] == -EPROTO ? "not a 16-bit PCM WAV" : strerror(-errs[i]));
	TSR_INFO("dp.main", "prompts loaded\tdir=\"%s\" loaded=%u of=%u", dir, n,
		 (unsigned int)CODEC_PROMPT_COUNT);
}

/*
 * Measure what a core of this machine sustains with the real audio engine
 * (about 0.15 s of CPU) and keep it for `ping`: the node reports it as its
 * capacity (guide part 1 §7). A failure leaves the capacity unknown (0).
 */
static void
run_selftest(struct dp_main *dm, unsigned int cores)
{
	struct codec_selftest_result r;
	struct codec_selftest_cfg cfg;
	int rc;

	codec_selftest_cfg_default(&cfg);
	rc = codec_selftest_run(&cfg, &r);
	if (rc < 0) {
		TSR_WARN("dp.main", "capacity self-test failed\terr=\"%s\"", strerror(-rc));
		return;
	}
	dm->capacity.units_per_core = r.units_per_core;
	dm->capacity.cores = cores;
	dm->capacity.ns_per_call_tick = r.ns_per_call_tick;
	TSR_INFO("dp.main", "capacity self-test\tunits_per_core=%u cores=%u ns_per_call_tick=%.0f "
		 "wall_ms=%.1f", r.units_per_core, cores, r.ns_per_call_tick, r.wall_ns / 1e6);
}

static int
apply_cb(void *ctx, int opt, const char *val)
{
	return apply(ctx, opt, val);
}

static int
parse_opts(struct opts *o, int argc, char **argv)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->mode = DP_MODE_EMBEDDED;
	o->driver = DP_WIRE_AF_PACKET;
	strcpy(o->wire, "wire0");
	strcpy(o->tap, "tsrex0");
	strcpy(o->ctl_sock, "/run/tessera/dp.sock");
	strcpy(o->lcores, "0-1");
	strcpy(o->log_level, "info");
	o->max_streams = 32768;
	o->idle_sleep_max_us = 500;
	o->mem_mb = 256;
	o->mbufs = 16383;
	o->telemetry = true;
	rc = tsr_opts_parse("tessera-dataplane", TSR_VERSION, argc, argv, long_opts, O_MODE, apply_cb,
			    usage, o);
	if (rc != 0)
		return rc;
	if (o->n_addr == 0) {
		fprintf(stderr, "tessera-dataplane: at least one --addr is required\n");
		return -EINVAL;
	}
	if (o->mode == DP_MODE_BARE_METAL) {
		if (o->pci[0] == '\0') {
			fprintf(stderr, "tessera-dataplane: bare-metal mode needs --pci\n");
			return -EINVAL;
		}
		o->driver = DP_WIRE_PCI;
	}
	return 0;
}

static int
eal_init(const struct opts *o, int argc, char **argv)
{
	char *eargv[MAX_EAL_ARGS];
	char mem[32], allow[80], prefix[48];
	int n = 0, i;

	eargv[n++] = argv[0];
	eargv[n++] = "-l";
	eargv[n++] = (char *)o->lcores;
	eargv[n++] = "--no-shconf";
	if (o->telemetry) {
		/* One runtime directory (and telemetry socket) per control socket path. */
		snprintf(prefix, sizeof(prefix), "--file-prefix=tsr-%08x",
			 rte_jhash(o->ctl_sock, (uint32_t)strlen(o->ctl_sock), 0));
		eargv[n++] = prefix;
	} else {
		eargv[n++] = "--no-telemetry";
	}
	eargv[n++] = "--log-level=lib.eal:warning";
	if (o->mode == DP_MODE_EMBEDDED) {
		snprintf(mem, sizeof(mem), "%u", o->mem_mb);
		eargv[n++] = "--no-huge";
		eargv[n++] = "--no-pci";
		eargv[n++] = "-m";
		eargv[n++] = mem;
	} else {
		snprintf(allow, sizeof(allow), "-a%s", o->pci);
		eargv[n++] = allow;
		eargv[n++] = "--in-memory";
	}
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		;
	for (i++; i < argc && n < MAX_EAL_ARGS - 1; i++)
		eargv[n++] = argv[i];
	eargv[n] = NULL;
	return rte_eal_init(n, eargv);
}

/* "1,3-4" -> a bitmap of lcore ids. @return 0 or -EINVAL. */
static int
parse_lcore_list(const char *list, bool *set)
{
	const char *p = list;

	while (*p != '\0') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p || a >= RTE_MAX_LCORE)
			return -EINVAL;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a || b >= RTE_MAX_LCORE)
				return -EINVAL;
		}
		for (unsigned long i = a; i <= b; i++)
			set[i] = true;
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return -EINVAL;
		p = end;
	}
	return 0;
}

/*
 * The dedicated worker lcores of --worker-lcores: EAL worker lcores (not the
 * main one, which waits for signals or runs io), marked in @p is_wl.
 */
static int
pick_worker_lcores(const char *list, uint16_t *wl, uint16_t *n_wl, bool *is_wl)
{
	static bool want[RTE_MAX_LCORE];

	*n_wl = 0;
	if (list[0] == '\0')
		return 0;
	if (parse_lcore_list(list, want) < 0)
		return -EINVAL;
	for (unsigned int lc = 0; lc < RTE_MAX_LCORE; lc++) {
		if (!want[lc])
			continue;
		if (!rte_lcore_is_enabled(lc) || lc == rte_get_main_lcore() ||
		    *n_wl == DP_MAX_WORKERS)
			return -EINVAL;
		is_wl[lc] = true;
		wl[(*n_wl)++] = (uint16_t)lc;
	}
	return *n_wl == 0 ? -EINVAL : 0;
}

/*
 * The io lcores: those of --io-lcores (each must be an EAL lcore, none a
 * worker lcore), else every EAL worker lcore that is not a worker lcore,
 * else the main lcore alone.
 */
static int
pick_io_lcores(const char *list, const bool *is_wl, unsigned int *io, unsigned int *n_io,
	       bool *main_is_io)
{
	static bool want[RTE_MAX_LCORE];
	unsigned int lc = 0;

	*n_io = 0;
	*main_is_io = false;
	if (list[0] != '\0') {
		if (parse_lcore_list(list, want) < 0)
			return -EINVAL;
		for (lc = 0; lc < RTE_MAX_LCORE; lc++) {
			if (!want[lc])
				continue;
			if (!rte_lcore_is_enabled(lc) || is_wl[lc] || *n_io == DP_MAX_IO)
				return -EINVAL;
			if (lc == rte_get_main_lcore()) {
				if (*n_io != 0) /* the main lcore must come first: it runs last */
					return -EINVAL;
				*main_is_io = true;
			}
			io[(*n_io)++] = lc;
		}
		return *n_io == 0 ? -EINVAL : 0;
	}
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (*n_io < DP_MAX_IO && !is_wl[lc])
			io[(*n_io)++] = lc;
	}
	if (*n_io == 0) {
		io[(*n_io)++] = rte_get_main_lcore();
		*main_is_io = true;
	}
	return 0;
}

/*
 * The worker lcores' state: a worker with one TX ring per io lcore. They
 * have no port queue and no ipsec-mb manager: SRTP and TX happen on io lcores.
 */
static int
start_worker_lcores(struct dp_main *dm, uint16_t n_io)
{
	for (unsigned int i = 0; i < dm->n_wlcores; i++) {
		struct dp_lcore_ctx *c = &dp_lcores[dm->wlcores[i]];
		int rc;

		c->dm = dm;
		c->worker_only = true;
		rc = dp_worker_init(dm, c);
		if (rc == 0)
			rc = dp_worker_set_dedicated(c, n_io);
		if (rc < 0) {
			TSR_ERR("dp.main", "cannot create the worker of lcore %u\terr=\"%s\"",
				dm->wlcores[i], strerror(-rc));
			return rc;
		}
	}
	if (dm->n_wlcores != 0)
		TSR_INFO("dp.main", "dedicated worker lcores\tworkers=%u io_lcores=%u",
			 dm->n_wlcores, n_io);
	return 0;
}

static char rundir[PATH_MAX]; /* EAL runtime directory to remove at exit, if ours */

/*
 * EAL leaves its runtime directory behind, and the telemetry socket in it is
 * removed by an exit handler registered during rte_eal_init(). This handler is
 * registered before EAL's, so it runs after it and finds the directory empty.
 */
static void
remove_rundir(void)
{
	if (rundir[0] != '\0')
		rmdir(rundir);
}

static void
on_signal(int sig)
{
	(void)sig;
	if (main_ctx != NULL)
		__atomic_store_n(&main_ctx->quit, true, __ATOMIC_RELAXED);
}

static void *
ctl_thread(void *arg)
{
	struct dp_main *dm = arg;
	int rc = dp_ctl_serve(dm, dm->ctl_path);

	if (rc < 0) {
		TSR_ERR("dp.ctl", "control socket failed\tpath=%s err=\"%s\"", dm->ctl_path,
			strerror(-rc));
		__atomic_store_n(&dm->quit, true, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int
setup(struct dp_main *dm, const struct opts *o, uint16_t n_io)
{
	size_t qsz;
	int rc;

	/* af_xdp needs buffers within a page; only af_packet delivers big reassembled frames. */
	dm->pool = rte_pktmbuf_pool_create("dp_mbufs", o->mbufs, 256, 0,
					   o->driver == DP_WIRE_AF_PACKET ? DP_PORT_MBUF_SIZE :
									    RTE_MBUF_DEFAULT_BUF_SIZE,
					   rte_socket_id());
	if (dm->pool == NULL)
		return -ENOMEM;
	rc = dp_port_wire_open(o->driver, o->wire, n_io, dm->pool, &dm->wire_port);
	if (rc < 0)
		return rc;
	rte_eth_macaddr_get(dm->wire_port, &dm->mac);
	dm->tap_port = UINT16_MAX;
	if (strcmp(o->tap, "none") != 0) {
		rc = dp_port_tap_open(o->tap, &dm->mac, n_io, dm->pool, &dm->tap_port);
		if (rc < 0)
			return rc;
	}
	qsz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	dm->qsbr = rte_zmalloc("dp_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (dm->qsbr == NULL || rte_rcu_qsbr_init(dm->qsbr, RTE_MAX_LCORE) != 0)
		return -ENOMEM;
	dm->neigh = rte_zmalloc("dp_neigh", sizeof(*dm->neigh), RTE_CACHE_LINE_SIZE);
	if (dm->neigh == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < DP_NEIGH_SIZE; i++)
		rte_seqcount_init(&dm->neigh->e[i].sc);
	dm->neigh_events = rte_ring_create_elem("dp_neigh_ev", sizeof(struct dp_neigh_event), 1024,
						rte_socket_id(), RING_F_SC_DEQ);
	dm->ctl_tx = rte_ring_create("dp_ctl_tx", 256, rte_socket_id(),
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (dm->neigh_events == NULL || dm->ctl_tx == NULL)
		return -ENOMEM;
	rc = dp_flow_init(&dm->flows, o->max_streams, dm->qsbr, rte_socket_id());
	if (rc < 0)
		return rc;
	return dp_esp_table_init(&dm->esp, DP_ESP_MAX_SA, dm->qsbr, rte_socket_id());
}

static void
teardown(struct dp_main *dm)
{
	dp_esp_table_fini(&dm->esp);
	dp_flow_fini(&dm->flows);
	dp_port_close(dm->tap_port);
	dp_port_close(dm->wire_port);
	rte_ring_free(dm->neigh_events);
	if (dm->ctl_tx != NULL) {
		struct rte_mbuf *m = NULL;

		while (rte_ring_dequeue(dm->ctl_tx, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dm->ctl_tx);
	}
	rte_free(dm->neigh);
	rte_free(dm->qsbr);
	rte_mempool_free(dm->pool);
}

int
main(int argc, char **argv)
{
	static struct dp_main dm;
	struct dp_lcore_args la;
	struct opts o;
	pthread_t ctl;
	unsigned int io[DP_MAX_IO], n_io = 0;
	static bool is_wl[RTE_MAX_LCORE];
	bool main_is_io = false;
	int rc;

	rc = parse_opts(&o, argc, argv);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	tsr_log_init((enum tsr_log_level)tsr_log_level_parse(o.log_level), 2);
	atexit(remove_rundir);
	rc = eal_init(&o, argc, argv);
	if (rc < 0) {
		TSR_ERR("dp.main", "EAL initialisation failed\terr=\"%s\"", rte_strerror(rte_errno));
		return 1;
	}
	if (o.telemetry)
		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	memset(&dm, 0, sizeof(dm));
	dm.mode = o.mode;
	dm.n_addr = o.n_addr;
	memcpy(dm.addr, o.addr, sizeof(o.addr));
	dm.gw4 = o.gw4;
	dm.gw6 = o.gw6;
	dm.idle_sleep_max_us = o.idle_sleep_max_us;
	dm.start_tsc = rte_rdtsc();
	dp_clock_init(&dm.clock);
	dm.wire_port = UINT16_MAX;
	dm.tap_port = UINT16_MAX;
	main_ctx = &dm;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	rc = pick_worker_lcores(o.worker_lcores, dm.wlcores, &dm.n_wlcores, is_wl);
	if (rc < 0) {
		TSR_ERR("dp.main", "invalid --worker-lcores (EAL lcores other than the main one)"
			"\tvalue=\"%s\"", o.worker_lcores);
		goto out_teardown;
	}
	rc = pick_io_lcores(o.io_lcores, is_wl, io, &n_io, &main_is_io);
	if (rc < 0) {
		TSR_ERR("dp.main", "invalid --io-lcores\tvalue=\"%s\"", o.io_lcores);
		goto out_teardown;
	}
	rc = setup(&dm, &o, (uint16_t)n_io);
	if (rc < 0) {
		TSR_ERR("dp.main", "setup failed\terr=\"%s\"", strerror(-rc));
		goto out_teardown;
	}
	la.tap_queues = (uint16_t)n_io;
	for (unsigned int i = 0; i < n_io; i++) {
		struct dp_lcore_ctx *c = &dp_lcores[io[i]];

		c->dm = &dm;
		c->wire_queue = (uint16_t)i;
		c->owns_tap = i == 0;
		c->active = true;
		rc = dp_srtp_mgr_create(&c->mb);
		if (rc < 0) {
			TSR_ERR("dp.main", "ipsec-mb unavailable\terr=\"%s\"", strerror(-rc));
			goto out_teardown;
		}
		/* With worker lcores, the io lcores run no conference. */
		rc = dm.n_wlcores == 0 ? dp_worker_init(&dm, c) : 0;
		if (rc < 0) {
			TSR_ERR("dp.main", "cannot create the conference worker\terr=\"%s\"",
				strerror(-rc));
			goto out_teardown;
		}
	}
	rc = start_worker_lcores(&dm, (uint16_t)n_io);
	if (rc < 0)
		goto out_teardown;
	load_prompts(&o);
	run_selftest(&dm, dm.n_wlcores != 0 ? dm.n_wlcores : n_io);
	if (o.telemetry && dp_telemetry_register(&dm) < 0)
		TSR_WARN("dp.main", "telemetry commands not registered");
	dm.ctl_path = o.ctl_sock;
	if (rte_ctrl_thread_create(&ctl, "dp-ctl", NULL, ctl_thread, &dm) != 0) {
		TSR_ERR("dp.main", "cannot start the control thread");
		goto out_teardown;
	}
	{
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &dm.mac);
		TSR_INFO("dp.main", "data plane running\tversion=%s mode=%s io_lcores=%u mac=%s "
			 "ctl_sock=%s", TSR_VERSION,
			 o.mode == DP_MODE_EMBEDDED ? "embedded" : "bare-metal", n_io, mac,
			 o.ctl_sock);
	}
	__atomic_store_n(&dm.workers_running, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < n_io; i++)
		if (!(main_is_io && i == 0))
			rte_eal_remote_launch(dp_lcore_main, &la, io[i]);
	for (unsigned int i = 0; i < dm.n_wlcores; i++)
		rte_eal_remote_launch(dp_lcore_main, &la, dm.wlcores[i]);
	if (main_is_io) {
		dp_lcore_main(&la);
	} else {
		while (!__atomic_load_n(&dm.quit, __ATOMIC_RELAXED))
			usleep(100 * 1000);
	}
	rte_eal_mp_wait_lcore();
	pthread_join(ctl, NULL);
	__atomic_store_n(&dm.workers_running, false, __ATOMIC_RELEASE);
	for (uint16_t i = 0; i < DP_CONF_MAX; i++)
		if (dm.confs[i] != NULL)
			dp_conf_delete(&dm, i);
	TSR_INFO("dp.main", "shutting down");
	rc = 0;

out_teardown:
	for (unsigned int i = 0; i < dm.n_wlcores; i++)
		dp_worker_fini(&dp_lcores[dm.wlcores[i]]);
	for (unsigned int i = 0; i < n_io; i++) {
		dp_worker_fini(&dp_lcores[io[i]]);
		if (dp_lcores[io[i]].mb != NULL)
			dp_srtp_mgr_destroy(dp_lcores[io[i]].mb);
	}
	teardown(&dm);
	dp_conf_prompts_free();
	rte_eal_cleanup();
	return rc < 0 ? 1 : 0;
}
