/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * dp_conf_ctl.c - conference management on the control thread.
 *
 * The control thread owns the conference table and creates or destroys
 * engines (they allocate); everything that touches a published engine is a
 * command the conference's worker runs between ticks (dp_wcmd). The control
 * thread wakes the worker and waits for each command; when no lcore runs
 * (unit tests) it runs the command itself.
 *
 * Context: the data plane control thread.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "dp_conf.h"
#include "dp_conf_priv.h"
#include "dp_main.h"

/* Loaded once at start, read-only while workers run; engines borrow from it. */
static struct codec_prompt_set prompts;

unsigned int
dp_conf_prompts_load(const char *dir, int *errs)
{
	codec_prompt_set_free(&prompts);
	return codec_prompt_set_load(&prompts, dir, errs);
}

void
dp_conf_prompts_free(void)
{
	codec_prompt_set_free(&prompts);
}

const struct codec_prompt_set *
dp_conf_prompts(void)
{
	return &prompts;
}

/*
 * Run @p cmd on its conference's worker and wait for the result, which is
 * copied back into @p cmd. The worker gets a heap copy: if it does not answer
 * in time the copy is left to it (a bounded leak in a pathological case, never
 * a write into a dead stack frame).
 *
 * The worker is woken from its idle sleep, so the command runs within one
 * pass of its loop (microseconds when idle, up to a conference tick when
 * busy): spin for that long, then poll in short sleeps.
 */
static int
run_cmd(struct dp_main *dm, struct dp_wcmd *cmd)
{
	struct dp_worker *w = dp_lcores[cmd->conf->worker].worker;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000};
	uint64_t hz = rte_get_tsc_hz(), t0, spin = hz / 5000; /* 200 us */
	struct dp_wcmd *h;

	cmd->done = 0;
	if (!__atomic_load_n(&dm->workers_running, __ATOMIC_ACQUIRE)) {
		dp_wcmd_exec(w, cmd, rte_rdtsc());
		return cmd->result;
	}
	h = rte_malloc("dp_wcmd", sizeof(*h), 0);
	if (h == NULL)
		return -ENOMEM;
	*h = *cmd;
	if (rte_ring_sp_enqueue(w->cmd, h) != 0) {
		rte_free(h);
		return -EBUSY;
	}
	dp_worker_wake(w);
	t0 = rte_rdtsc();
	/* A worker polls at least once per idle sleep; give it 2 s. */
	while (rte_rdtsc() - t0 < 2 * hz) {
		if (__atomic_load_n(&h->done, __ATOMIC_ACQUIRE)) {
			*cmd = *h;
			rte_free(h);
			return cmd->result;
		}
		if (rte_rdtsc() - t0 < spin)
			rte_pause();
		else
			nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

struct dp_conf *
dp_conf_lookup(const struct dp_main *dm, uint16_t id)
{
	return id < DP_CONF_MAX ? dm->confs[id] : NULL;
}

/*
 * The least loaded worker: the dedicated worker lcores when there are some,
 * else the io lcores. Load is what the control thread placed there, one per
 * conference and one per participant (ties: the first in the list).
 */
static unsigned int
pick_worker(const struct dp_main *dm)
{
	static uint32_t load[RTE_MAX_LCORE];
	unsigned int lc, best = RTE_MAX_LCORE;
	uint32_t best_load = UINT32_MAX;

	memset(load, 0, sizeof(load));
	for (unsigned int i = 0; i < DP_CONF_MAX; i++)
		if (dm->confs[i] != NULL)
			load[dm->confs[i]->worker] += 1u + dm->confs[i]->n_parts;
	for (unsigned int i = 0; i < dm->n_wlcores; i++) {
		lc = dm->wlcores[i];
		if (dp_lcores[lc].worker != NULL && load[lc] < best_load) {
			best_load = load[lc];
			best = lc;
		}
	}
	if (dm->n_wlcores != 0)
		return best;
	RTE_LCORE_FOREACH(lc) {
		if (!dp_lcores[lc].active || dp_lcores[lc].worker == NULL)
			continue;
		if (load[lc] < best_load) {
			best_load = load[lc];
			best = lc;
		}
	}
	return best;
}

int
dp_conf_create(struct dp_main *dm, uint16_t max_parts, uint8_t speakers)
{
	return dp_conf_create_ex(dm, max_parts, speakers, false, false);
}

int
dp_conf_create_ex(struct dp_main *dm, uint16_t max_parts, uint8_t speakers, bool agc,
		  bool noise_gate)
{
	struct dp_conf_params p = {.max_parts = max_parts, .speakers = speakers, .agc = agc,
				   .noise_gate = noise_gate, .opus_complexity = -1};

	return dp_conf_create_params(dm, &p);
}

int
dp_conf_create_params(struct dp_main *dm, const struct dp_conf_params *p)
{
	struct codec_conf_cfg cfg;
	struct dp_wcmd cmd = {.type = DP_WCMD_CONF_ADD};
	struct dp_conf *c;
	unsigned int worker;
	uint16_t max_parts = p->max_parts;
	int id = -1, rc;

	if (max_parts == 0 || max_parts > DP_CONF_MAX_PARTS || p->speakers == 0 ||
	    p->opus_complexity < -1 || p->opus_complexity > 10)
		return -EINVAL;
	worker = pick_worker(dm);
	if (worker == RTE_MAX_LCORE)
		return -ENODEV;
	for (int i = 0; i < DP_CONF_MAX && id < 0; i++)
		if (dm->confs[i] == NULL)
			id = i;
	if (id < 0)
		return -ENOSPC;
	c = rte_zmalloc("dp_conf", sizeof(*c), RTE_CACHE_LINE_SIZE);
	if (c == NULL)
		return -ENOMEM;
	c->rtcp = rte_zmalloc("dp_conf_rtcp", max_parts * sizeof(*c->rtcp), RTE_CACHE_LINE_SIZE);
	if (c->rtcp == NULL) {
		rte_free(c);
		return -ENOMEM;
	}
	codec_conf_cfg_default(&cfg, max_parts);
	cfg.speakers = p->speakers;
	cfg.agc = p->agc;
	cfg.noise_gate = p->noise_gate;
	if (p->opus_complexity >= 0)
		cfg.opus_complexity_shared = cfg.opus_complexity_seat = p->opus_complexity;
	rc = codec_conf_create(&cfg, &c->engine);
	if (rc < 0) {
		rte_free(c->rtcp);
		rte_free(c);
		return rc;
	}
	c->id = (uint16_t)id;
	c->worker = worker;
	/* Its packets always leave through the same io lcore (dp_wtx_node.c). */
	if (dp_lcores[worker].worker->dedicated)
		c->tx_io = (uint16_t)(id % dp_lcores[worker].worker->n_tx);
	c->max_parts = max_parts;
	c->agc = p->agc;
	c->noise_gate = p->noise_gate;
	c->opus_complexity = p->opus_complexity;
	for (unsigned int i = 0; i < DP_CONF_MAX_PARTS; i++)
		c->part_stream[i] = DP_STREAM_NONE;
	cmd.conf = c;
	rc = run_cmd(dm, &cmd);
	if (rc < 0) {
		if (rc != -ETIMEDOUT) {
			codec_conf_destroy(c->engine);
			rte_free(c->rtcp);
			rte_free(c);
		}
		return rc;
	}
	dm->confs[id] = c;
	return id;
}

/* Point stream @p sid at the conference (or away from it with part DP_CONF_NONE). */
static int
stream_set_conf(struct dp_main *dm, uint32_t sid, const struct dp_conf *c, uint16_t part)
{
	struct dp_stream_params p;
	int rc = dp_flow_stream_params(&dm->flows, sid, &p);

	if (rc < 0)
		return rc;
	if (part == DP_CONF_NONE) {
		p.conf_ring = NULL;
		p.conf_id = DP_CONF_NONE;
		p.conf_part = DP_CONF_NONE;
	} else {
		p.conf_ring = dp_lcores[c->worker].worker->in;
		p.conf_id = c->id;
		p.conf_part = part;
	}
	return dp_flow_stream_update(&dm->flows, sid, &p);
}

int
dp_conf_attach(struct dp_main *dm, uint16_t id, const struct dp_conf_part_params *pp)
{
	struct dp_conf *c = dp_conf_lookup(dm, id);
	const struct dp_stream_cfg *sc;
	struct dp_wcmd cmd = {.type = DP_WCMD_PART_ADD};
	int rc;

	if (c == NULL || (sc = dp_flow_stream_cfg(&dm->flows, pp->stream_id)) == NULL)
		return -ENOENT;
	if (sc->relay_to != DP_STREAM_NONE || sc->conf_ring != NULL)
		return -EBUSY;
	if (pp->loopback_ms > DP_CONF_MAX_LOOPBACK_MS)
		return -EINVAL;
	codec_part_cfg_default(&cmd.pcfg, pp->codec);
	cmd.pcfg.rx_pt = cmd.pcfg.tx_pt = pp->pt;
	cmd.pcfg.dtmf_pt = pp->dtmf_pt;
	if (pp->rate != 0)
		cmd.pcfg.rx.rate = cmd.pcfg.tx.rate = pp->rate;
	if (pp->channels != 0)
		cmd.pcfg.rx.channels = cmd.pcfg.tx.channels = pp->channels;
	cmd.pcfg.tx_ssrc = pp->ssrc != 0 ? pp->ssrc : (uint32_t)rte_rand();
	cmd.pcfg.tx_seq = (uint16_t)rte_rand();
	cmd.pcfg.tx_ts = (uint32_t)rte_rand();
	cmd.pcfg.role = pp->role;
	cmd.pcfg.hosts_only = pp->hosts_only;
	cmd.pcfg.backplane = pp->backplane;
	cmd.pcfg.backplane_group = pp->backplane_group;
	cmd.pcfg.inband_dtmf = pp->codec == CODEC_PCMU || pp->codec == CODEC_PCMA;
	cmd.pcfg.lobby = pp->lobby;
	cmd.pcfg.no_send = pp->no_send;
	cmd.pcfg.no_recv = pp->no_recv;
	/* Rounded to the nearest 20 ms frame, at least one. */
	if (pp->loopback_ms > 0)
		cmd.pcfg.loopback_frames =
			(uint16_t)RTE_MAX((pp->loopback_ms + CODEC_FRAME_MS / 2) / CODEC_FRAME_MS, 1);
	/* A joiner with a tone gets its private encoder, so it is spared its own tone. */
	cmd.pcfg.own_enc = pp->tones;
	if (pp->tones)
		cmd.prompt = codec_prompt_get(&prompts, CODEC_PROMPT_JOIN_TONE);
	cmd.stream_id = pp->stream_id;
	cmd.conf = c;
	rc = run_cmd(dm, &cmd);
	if (rc < 0)
		return rc;
	rc = stream_set_conf(dm, pp->stream_id, c, cmd.part);
	if (rc < 0) {
		struct dp_wcmd undo = {.type = DP_WCMD_PART_DEL, .conf = c, .part = cmd.part};

		run_cmd(dm, &undo);
		return rc;
	}
	c->n_parts++;
	return cmd.part;
}

int
dp_conf_detach(struct dp_main *dm, uint16_t id, uint16_t part)
{
	return dp_conf_detach_tones(dm, id, part, false);
}

int
dp_conf_detach_tones(struct dp_main *dm, uint16_t id, uint16_t part, bool tones)
{
	struct dp_conf *c = dp_conf_lookup(dm, id);
	struct dp_wcmd cmd = {.type = DP_WCMD_PART_DEL, .part = part};
	uint32_t sid;
	int rc;

	if (c == NULL || part >= DP_CONF_MAX_PARTS || c->part_stream[part] == DP_STREAM_NONE)
		return -ENOENT;
	sid = c->part_stream[part];
	if (tones)
		cmd.prompt = codec_prompt_get(&prompts, CODEC_PROMPT_LEAVE_TONE);
	/*
	 * Stop the io lcores first and wait for the grace period, so no io lcore
	 * queues a packet for this participant after the worker removed it
	 * (packets already queued drain before the command runs).
	 */
	stream_set_conf(dm, sid, c, DP_CONF_NONE);
	dp_flow_sync(&dm->flows);
	cmd.conf = c;
	rc = run_cmd(dm, &cmd);
	if (rc == 0)
		c->n_parts--;
	return rc;
}

/*
 * After a dedicated worker dropped a conference: wait until each of its TX
 * rings has been consumed past what it held now (the conference's last
 * packets), then for a grace period, so no io lcore still uses the
 * conference when it is freed. Rings drain within an io loop; 100,000 short
 * sleeps (a few seconds) bound the wait should an io lcore be stuck.
 * Context: control thread.
 */
static void
wtx_quiesce(struct dp_main *dm, const struct dp_worker *w)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000};

	if (!w->dedicated || !__atomic_load_n(&dm->workers_running, __ATOMIC_ACQUIRE))
		return;
	for (uint16_t i = 0; i < w->n_tx; i++) {
		uint32_t end = __atomic_load_n(&w->tx[i]->prod.tail, __ATOMIC_ACQUIRE);

		for (int k = 0; k < 100000 &&
				(int32_t)(__atomic_load_n(&w->tx[i]->cons.tail, __ATOMIC_ACQUIRE) -
					  end) < 0;
		     k++)
			nanosleep(&ts, NULL);
	}
	rte_rcu_qsbr_synchronize(dm->qsbr, RTE_QSBR_THRID_INVALID);
}

int
dp_conf_delete(struct dp_main *dm, uint16_t id)
{
	struct dp_conf *c = dp_conf_lookup(dm, id);
	struct dp_wcmd cmd = {.type = DP_WCMD_CONF_DEL};
	int rc;

	if (c == NULL)
		return -ENOENT;
	for (uint16_t i = 0; i < DP_CONF_MAX_PARTS; i++)
		if (c->part_stream[i] != DP_STREAM_NONE)
			dp_conf_detach(dm, id, i);
	cmd.conf = c;
	rc = run_cmd(dm, &cmd);
	if (rc < 0)
		return rc;
	dm->confs[id] = NULL;
	wtx_quiesce(dm, dp_lcores[c->worker].worker);
	codec_conf_destroy(c->engine);
	rte_free(c->rtcp);
	rte_free(c);
	return 0;
}

int
dp_conf_mute(struct dp_main *dm, uint16_t id, uint16_t part, bool muted)
{
	struct dp_wcmd cmd = {.type = DP_WCMD_MUTE, .part = part, .mute = muted};

	cmd.conf = dp_conf_lookup(dm, id);
	if (cmd.conf == NULL)
		return -ENOENT;
	return run_cmd(dm, &cmd);
}

int
dp_conf_part_stats(struct dp_main *dm, uint16_t id, uint16_t part,
		   struct codec_conf_part_stats *st)
{
	return dp_conf_part_stats_rtcp(dm, id, part, st, NULL);
}

int
dp_conf_part_stats_rtcp(struct dp_main *dm, uint16_t id, uint16_t part,
			struct codec_conf_part_stats *st, struct dp_conf_rtcp *rtcp)
{
	struct dp_wcmd cmd = {.type = DP_WCMD_STATS, .part = part};
	int rc;

	cmd.conf = dp_conf_lookup(dm, id);
	if (cmd.conf == NULL)
		return -ENOENT;
	rc = run_cmd(dm, &cmd);
	if (rc == 0) {
		*st = cmd.stats;
		if (rtcp != NULL)
			*rtcp = cmd.rtcp;
	}
	return rc;
}

int
dp_conf_dtmf_poll(struct dp_main *dm, uint16_t id, uint16_t *part, char *digit)
{
	struct dp_wcmd cmd = {.type = DP_WCMD_DTMF};
	int rc;

	cmd.conf = dp_conf_lookup(dm, id);
	if (cmd.conf == NULL)
		return -ENOENT;
	rc = run_cmd(dm, &cmd);
	if (rc == 1) {
		*part = cmd.part;
		*digit = cmd.digit;
	}
	return rc;
}

int
dp_conf_update(struct dp_main *dm, uint16_t id, uint16_t part, const struct dp_conf_update *u,
	       struct codec_conf_part_stats *st)
{
	struct dp_wcmd cmd = {.type = DP_WCMD_UPDATE, .part = part, .upd = *u};
	int rc;

	cmd.conf = dp_conf_lookup(dm, id);
	if (cmd.conf == NULL || part >= DP_CONF_MAX_PARTS ||
	    cmd.conf->part_stream[part] == DP_STREAM_NONE)
		return -ENOENT;
	if (u->has_role && u->role != CODEC_ROLE_HOST && u->role != CODEC_ROLE_GUEST)
		return -EINVAL;
	rc = run_cmd(dm, &cmd);
	if (rc == 0 && st != NULL)
		*st = cmd.stats;
	return rc;
}

int
dp_conf_prompt(struct dp_main *dm, uint16_t id, uint16_t part, int prompt, bool loop)
{
	struct dp_wcmd cmd = {.type = DP_WCMD_PROMPT, .part = part, .loop = loop};
	int rc;

	cmd.conf = dp_conf_lookup(dm, id);
	if (cmd.conf == NULL || part >= DP_CONF_MAX_PARTS ||
	    cmd.conf->part_stream[part] == DP_STREAM_NONE)
		return -ENOENT;
	if (prompt >= 0) {
		cmd.prompt = codec_prompt_get(&prompts, (unsigned int)prompt);
		if (cmd.prompt == NULL)
			return -ENODATA;
		/*
		 * The encoder of its private mix is made here, never on the worker.
		 * The engine changes only through commands this thread waits for,
		 * so asking it whether one exists is safe.
		 */
		if (!codec_conf_has_own_enc(cmd.conf->engine, part)) {
			rc = codec_conf_own_enc_create(cmd.conf->engine, part, &cmd.enc);
			if (rc < 0)
				return rc;
		}
	}
	rc = run_cmd(dm, &cmd);
	if (rc != -ETIMEDOUT)
		codec_enc_destroy(cmd.enc); /* NULL when the worker took it */
	return rc;
}

int
dp_conf_send_dtmf(struct dp_main *dm, uint16_t id, uint16_t part, const char *digits,
		  uint32_t lead_ms, uint32_t *ms)
{
	struct dp_wcmd cmd = {.type = DP_WCMD_SEND_DTMF, .part = part, .lead_ms = lead_ms};
	size_t n = strlen(digits);
	uint32_t d;
	int rc;

	cmd.conf = dp_conf_lookup(dm, id);
	if (cmd.conf == NULL || part >= DP_CONF_MAX_PARTS ||
	    cmd.conf->part_stream[part] == DP_STREAM_NONE)
		return -ENOENT;
	if (n > CODEC_DTMF_MAX_DIGITS)
		return -E2BIG;
	/* Validated here too, so a bad sequence never reaches the worker. */
	d = codec_conf_dtmf_ms(cmd.conf->engine, part, digits);
	if (d == 0)
		return -EINVAL;
	memcpy(cmd.digits, digits, n + 1);
	rc = run_cmd(dm, &cmd);
	if (rc == 0 && ms != NULL)
		*ms = lead_ms + d;
	return rc;
}
