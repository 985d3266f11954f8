/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * cp_ctl.c - node commands and the local control socket (see cp_ctl.h).
 *
 * The socket is served on the cp main loop: the listening socket and each
 * client are su_wait registrations; one request per recv, one reply per
 * send. At most CP_CTL_CLIENTS clients at once; a request that is not a JSON
 * object with v, id and op gets an error reply, never a crash.
 *
 * Context: control path (cp main loop).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cp_bp.h"
#include "cp_ctl.h"
#include "cp_media.h"
#include "cp_sip.h"
#include "cp_svc.h"
#include "tsr_log.h"

#define LOG_COMP "cp.ctl"
#define CP_CTL_CLIENTS 16
#define CP_CTL_MAX_MSG 65536

struct cp_ctl_client {
	struct cp_ctl *ctl;
	int fd;
	int reg; /* su_root registration index, 0 = none */
};

struct cp_ctl {
	su_root_t *root;
	struct cp_sip *sip;
	struct cp_ctl_info info;
	char path[108];
	int fd;
	int reg;
	struct cp_ctl_client clients[CP_CTL_CLIENTS];
	char *buf;
};

static const char *
str_arg(json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

int
cp_cmd_run(struct cp_sip *s, const char *name, json_t *args, char *msg, size_t cap)
{
	struct cp_svc *v = s->svc;
	/* The management node sends its own status id as conference_id and the name as conference. */
	const char *conf = str_arg(args, "conference") ?: str_arg(args, "conference_id");
	const char *part = str_arg(args, "participant_id") ?: str_arg(args, "participant_uuid");
	char op[48];
	int rc;

	snprintf(op, sizeof(op), "%s", name);
	for (char *p = op; *p != '\0'; p++)
		if (*p == '.')
			*p = '_';
	if (strncmp(op, "conference_", 11) == 0) {
		const char *what = op + 11;

		if (conf == NULL) {
			snprintf(msg, cap, "conference_id is required");
			return -EINVAL;
		}
		if (strcmp(what, "lock") == 0 || strcmp(what, "unlock") == 0)
			rc = cp_svc_conf_lock(v, conf, what[0] == 'l');
		else if (strcmp(what, "mute_guests") == 0 || strcmp(what, "unmute_guests") == 0)
			rc = cp_svc_conf_mute_guests(v, conf, what[0] == 'm');
		else if (strcmp(what, "disconnect") == 0)
			rc = cp_svc_conf_disconnect(v, conf);
		else
			goto unknown;
	} else if (strcmp(op, "participant_dial") == 0) {
		const char *alias = str_arg(args, "conference_alias");
		const char *dest = str_arg(args, "destination");

		if (alias == NULL || dest == NULL) {
			snprintf(msg, cap, "conference_alias and destination are required");
			return -EINVAL;
		}
		rc = cp_svc_dial(v, alias, dest, str_arg(args, "role") ?: "guest",
				 str_arg(args, "dtmf_sequence") ?: "",
				 str_arg(args, "remote_display_name") ?: "", msg, cap);
		return rc;
	} else if (strncmp(op, "participant_", 12) == 0) {
		const char *what = op + 12;

		if (part == NULL) {
			snprintf(msg, cap, "participant_id is required");
			return -EINVAL;
		}
		if (strcmp(what, "mute") == 0 || strcmp(what, "unmute") == 0)
			rc = cp_svc_part_mute(v, part, what[0] == 'm');
		else if (strcmp(what, "disconnect") == 0)
			rc = cp_svc_part_disconnect(v, part);
		else if (strcmp(what, "unlock") == 0 || strcmp(what, "admit") == 0)
			rc = cp_svc_part_admit(v, part);
		else if (strcmp(what, "role") == 0)
			rc = str_arg(args, "role") ? cp_svc_part_role(v, part, str_arg(args, "role")) :
						     -EINVAL;
		else if (strcmp(what, "transfer") == 0)
			rc = str_arg(args, "conference_alias") ?
				     cp_svc_part_transfer(v, part, str_arg(args, "conference_alias"),
							  str_arg(args, "role")) :
				     -EINVAL;
		else
			goto unknown;
	} else {
		goto unknown;
	}
	if (rc == 0)
		snprintf(msg, cap, "%s done", op);
	else if (rc == -ENOENT)
		snprintf(msg, cap, "no such %s", conf != NULL && part == NULL ? "conference" :
										"participant");
	else if (rc == -EINVAL)
		snprintf(msg, cap, "%s: bad argument or not applicable now", op);
	else
		snprintf(msg, cap, "%s failed: %s", op, strerror(-rc));
	return rc;
unknown:
	snprintf(msg, cap, "unknown command %s", name);
	return -ENOSYS;
}

static const char *
err_code(int rc)
{
	switch (rc) {
	case -ENOENT:
		return "ENOENT";
	case -EINVAL:
		return "EINVAL";
	case -ENOSYS:
		return "ENOSYS";
	default:
		return "EIO";
	}
}

static json_t *
handle(struct cp_sip *sip, const struct cp_ctl_info *info, json_t *req)
{
	json_t *id = json_object_get(req, "id"), *args = json_object_get(req, "args");
	const char *op = str_arg(req, "op");
	json_t *res = NULL;
	char msg[160];
	int rc;

	if (!json_is_object(req) || !json_is_integer(json_object_get(req, "v")) ||
	    json_integer_value(json_object_get(req, "v")) != 1 || op == NULL) {
		snprintf(msg, sizeof(msg), "a request is {\"v\":1,\"id\":N,\"op\":\"...\"}");
		rc = -EINVAL;
	} else if (args != NULL && !json_is_object(args)) {
		snprintf(msg, sizeof(msg), "args must be an object");
		rc = -EINVAL;
	} else if (strcmp(op, "ping") == 0) {
		res = json_pack("{s:s}", "node", info->node_name ?: "");
		rc = 0;
	} else if (strcmp(op, "status") == 0) {
		res = cp_svc_status(sip->svc);
		if (res != NULL) {
			json_object_set_new(res, "node", json_string(info->node_name ?: ""));
			json_object_set_new(res, "config_version",
					    json_integer(info->config_version ?
								 *info->config_version :
								 0));
			json_object_set_new(res, "config_source",
					    json_string(info->config_source ?: "none"));
			json_object_set_new(res, "capacity_units",
					    json_integer(sip->media ? cp_media_capacity(sip->media) : 0));
			cp_bp_status(sip->bp, res); /* peers, backplanes, remote participants */
		}
		rc = res != NULL ? 0 : -ENOMEM;
		snprintf(msg, sizeof(msg), "out of memory");
	} else {
		rc = cp_cmd_run(sip, op, args, msg, sizeof(msg));
		if (rc == 0)
			res = json_pack("{s:s}", "message", msg);
	}
	if (rc == 0)
		return json_pack("{s:i, s:O?, s:b, s:o}", "v", 1, "id", id, "ok", 1, "result",
				 res ? res : json_object());
	return json_pack("{s:i, s:O?, s:b, s:{s:s, s:s}}", "v", 1, "id", id, "ok", 0, "error",
			 "code", err_code(rc), "message", msg);
}

char *
cp_ctl_request(struct cp_sip *sip, const struct cp_ctl_info *info, const char *buf, size_t len)
{
	json_t *req = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *resp = handle(sip, info, req);
	char *text = resp ? json_dumps(resp, JSON_COMPACT) : NULL;

	json_decref(req);
	json_decref(resp);
	return text;
}

static void
client_close(struct cp_ctl_client *cl)
{
	if (cl->reg > 0)
		su_root_deregister(cl->ctl->root, cl->reg);
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	cl->reg = 0;
}

static int
on_client(su_root_magic_t *magic, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct cp_ctl_client *cl = (struct cp_ctl_client *)arg;
	struct cp_ctl *c = cl->ctl;
	char *text;
	ssize_t n;

	(void)magic;
	(void)w;
	n = recv(cl->fd, c->buf, CP_CTL_MAX_MSG, MSG_TRUNC | MSG_DONTWAIT);
	if (n <= 0 || n > CP_CTL_MAX_MSG) {
		if (n > CP_CTL_MAX_MSG)
			TSR_WARN(LOG_COMP, "oversized request dropped\tbytes=%zd", n);
		client_close(cl);
		return 0;
	}
	text = cp_ctl_request(c->sip, &c->info, c->buf, (size_t)n);
	if (text == NULL || send(cl->fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		client_close(cl);
	free(text);
	return 0;
}

static int
on_accept(su_root_magic_t *magic, su_wait_t *w, su_wakeup_arg_t *arg)
{
	struct cp_ctl *c = (struct cp_ctl *)arg;
	su_wait_t cw[1];
	int fd;

	(void)magic;
	(void)w;
	fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return 0;
	for (int i = 0; i < CP_CTL_CLIENTS; i++) {
		struct cp_ctl_client *cl = &c->clients[i];

		if (cl->fd >= 0)
			continue;
		cl->fd = fd;
		if (su_wait_create(cw, fd, SU_WAIT_IN | SU_WAIT_HUP) < 0 ||
		    (cl->reg = su_root_register(c->root, cw, on_client, (su_wakeup_arg_t *)cl, 0)) <=
			    0) {
			cl->reg = 0;
			client_close(cl);
		}
		return 0;
	}
	TSR_WARN(LOG_COMP, "too many control clients\tmax=%d", CP_CTL_CLIENTS);
	close(fd);
	return 0;
}

int
cp_ctl_create(su_root_t *root, const char *path, struct cp_sip *s,
	      const struct cp_ctl_info *info, struct cp_ctl **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct cp_ctl *c;
	su_wait_t w[1];
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->buf = malloc(CP_CTL_MAX_MSG + 1)) == NULL) {
		free(c);
		return -ENOMEM;
	}
	c->fd = -1;
	c->root = root;
	c->sip = s;
	c->info = *info;
	for (int i = 0; i < CP_CTL_CLIENTS; i++) {
		c->clients[i].ctl = c;
		c->clients[i].fd = -1;
	}
	strcpy(c->path, path);
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		rc = -errno;
		goto fail;
	}
	unlink(path);
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 ||
	    listen(c->fd, 16) < 0) {
		rc = -errno;
		goto fail;
	}
	if (su_wait_create(w, c->fd, SU_WAIT_ACCEPT) < 0 ||
	    (c->reg = su_root_register(root, w, on_accept, (su_wakeup_arg_t *)c, 0)) <= 0) {
		c->reg = 0;
		rc = -EIO;
		goto fail;
	}
	TSR_INFO(LOG_COMP, "control socket listening\tpath=%s", path);
	*out = c;
	return 0;
fail:
	cp_ctl_destroy(c);
	return rc;
}

void
cp_ctl_destroy(struct cp_ctl *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < CP_CTL_CLIENTS; i++)
		client_close(&c->clients[i]);
	if (c->reg > 0)
		su_root_deregister(c->root, c->reg);
	if (c->fd >= 0) {
		close(c->fd);
		unlink(c->path);
	}
	free(c->buf);
	free(c);
}
