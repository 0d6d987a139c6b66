/* SPDX-License-Identifier: MIT */
/*
 * Test-only front-end over the nft API (src/lib/nft.h), so the netns test can
 * drive it before `vrfctl apply/plan/down/status` do. The [docker] model comes
 * from options, the same shape the config parser fills:
 *
 *   nft-driver [-b BRIDGE]... [-a 'PROTO [PORTS]']... [-i] [-f PREFIX]...
 *              [-H 'PROTO [PORTS]']... COMMAND
 *   -b bridge  -a allow  -i isolate-containers  -f allow-from  -H host-allow
 *   COMMAND: render | validate | apply | drift | delete | counters
 *
 * No -b: no [docker] section. Exit 0; drift: 0 none, 2 differs; 1 error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "nft.h"

static void log_stderr(void *data, int priority, const char *msg)
{
	(void)data;
	fprintf(stderr, "nft-driver: %s%s\n",
		priority == LOG_INFO ? "info: " : priority == LOG_DEBUG ? "debug: " : "", msg);
}

static int parse_proto(const char *s, uint8_t *proto)
{
	char *end;
	unsigned long v;

	if (strcmp(s, "tcp") == 0)
		*proto = 6;
	else if (strcmp(s, "udp") == 0)
		*proto = 17;
	else if (strcmp(s, "icmp") == 0)
		*proto = 1;
	else if (strcmp(s, "sctp") == 0)
		*proto = 132;
	else {
		v = strtoul(s, &end, 10);
		if (*end || v > 255)
			return -EINVAL;
		*proto = (uint8_t)v;
	}
	return 0;
}

/* "tcp 80,443,18000-18300" or "udp" */
static int parse_rule(const char *text, struct vrf_port_rule **rules, size_t *n)
{
	char *copy = strdup(text), *sp, *tok, *save = NULL;
	struct vrf_port_rule *grown, *r;
	int err = -EINVAL;

	if (!copy)
		return -ENOMEM;
	grown = realloc(*rules, (*n + 1) * sizeof(**rules));
	if (!grown) {
		err = -ENOMEM;
		goto out;
	}
	*rules = grown;
	r = &grown[(*n)++];
	memset(r, 0, sizeof(*r));
	r->where.file = "argv";
	r->where.line = (unsigned)*n;
	sp = strchr(copy, ' ');
	if (sp)
		*sp++ = '\0';
	if (parse_proto(copy, &r->proto) < 0)
		goto out;
	for (tok = sp ? strtok_r(sp, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned lo, hi;
		struct vrf_port_range *pr = realloc(r->ports, (r->n_ports + 1) * sizeof(*pr));

		if (!pr) {
			err = -ENOMEM;
			goto out;
		}
		r->ports = pr;
		if (sscanf(tok, "%u-%u", &lo, &hi) == 2)
			;
		else if (sscanf(tok, "%u", &lo) == 1)
			hi = lo;
		else
			goto out;
		if (lo > 65535 || hi > 65535)
			goto out;
		pr[r->n_ports++] = (struct vrf_port_range){ (uint16_t)lo, (uint16_t)hi };
	}
	err = 0;
out:
	free(copy);
	return err;
}

int main(int argc, char **argv)
{
	struct vrf_config cfg = { 0 };
	struct vrf_docker *d = &cfg.docker;
	struct vrf_log log = { log_stderr, NULL };
	const char *cmd;
	int opt, err = 0, status = 1;

	d->where.file = "argv";
	d->where.line = 1;
	while ((opt = getopt(argc, argv, "b:a:if:H:")) != -1) {
		switch (opt) {
		case 'b': {
			char (*b)[IFNAMSIZ] = realloc(d->bridges, (d->n_bridges + 1) * sizeof(*b));

			if (!b)
				goto out;
			d->bridges = b;
			snprintf(b[d->n_bridges++], IFNAMSIZ, "%s", optarg);
			d->present = true;
			break;
		}
		case 'a':
			err = parse_rule(optarg, &d->allow, &d->n_allow);
			break;
		case 'H':
			err = parse_rule(optarg, &d->host_allow, &d->n_host_allow);
			break;
		case 'i':
			d->isolate_containers = true;
			break;
		case 'f': {
			struct vrf_prefix *p = realloc(d->allow_from,
						       (d->n_allow_from + 1) * sizeof(*p));

			if (!p)
				goto out;
			d->allow_from = p;
			err = vrf_prefix_parse(optarg, &p[d->n_allow_from++]);
			break;
		}
		default:
			goto out;
		}
		if (err < 0) {
			fprintf(stderr, "nft-driver: bad argument '%s'\n", optarg);
			goto out;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: nft-driver [-b BR]... [-a RULE]... [-i] [-f PREFIX]... "
				"[-H RULE]... render|validate|apply|drift|delete|counters\n");
		goto out;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "render") == 0) {
		char *text = NULL;

		err = vrf_nft_render(d, &text, &log);
		if (err == 0)
			fputs(text, stdout);
		free(text);
	} else if (strcmp(cmd, "validate") == 0) {
		err = vrf_nft_validate(d, &log);
	} else if (strcmp(cmd, "apply") == 0) {
		err = vrf_nft_apply(d, &log);
	} else if (strcmp(cmd, "delete") == 0) {
		err = vrf_nft_delete(&log);
	} else if (strcmp(cmd, "drift") == 0) {
		bool differs = false;

		err = vrf_nft_drift(d, &differs, &log);
		if (err == 0 && differs) {
			printf("drift\n");
			status = 2;
			goto out;
		}
		if (err == 0)
			printf("no drift\n");
	} else if (strcmp(cmd, "counters") == 0) {
		struct vrf_nft_counter *c = NULL;
		size_t n = 0;

		err = vrf_nft_counters(&c, &n, &log);
		for (size_t i = 0; i < n; i++)
			printf("%s\t%s\t%" PRIu64 "\t%" PRIu64 "\n", c[i].chain, c[i].comment,
			       c[i].packets, c[i].bytes);
		free(c);
	} else {
		fprintf(stderr, "nft-driver: unknown command '%s'\n", cmd);
		goto out;
	}
	if (err < 0)
		fprintf(stderr, "nft-driver: %s: %s\n", cmd, strerror(-err));
	status = err < 0 ? 1 : 0;
out:
	vrf_config_free(&cfg);
	return status;
}
