/* SPDX-License-Identifier: MIT */
/*
 * The ruleset as nft syntax, the way `nft list table inet vrfctl` prints the
 * table right after an apply: the netns test loads the table with the
 * library and compares nft's listing with this text, so the two stay equal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "nft-int.h"
#include "proto.h"

static void render_proto(FILE *f, uint8_t proto)
{
	const char *name = vrf_proto_name(proto);

	if (name)
		fputs(name, f);
	else
		fprintf(f, "%u", proto);
}

static void render_match(FILE *f, const struct vrf_nft_rule *r, size_t i)
{
	const struct vrf_nft_match *m = &r->m[i];
	char buf[VRF_PREFIX_STRLEN];

	switch (m->kind) {
	case VRF_NM_IIFNAME:
	case VRF_NM_OIFNAME:
		fprintf(f, "%s %s\"%s\" ", m->kind == VRF_NM_IIFNAME ? "iifname" : "oifname",
			m->neg ? "!= " : "", m->ifname);
		break;
	case VRF_NM_CT_ESTREL:
		fputs("ct state established,related ", f);
		break;
	case VRF_NM_SADDR:
		if (m->prefix.len == 0) {
			fprintf(f, "meta nfproto %s ", m->prefix.family == AF_INET ? "ipv4" : "ipv6");
			break;
		}
		if (m->prefix.len == vrf_addr_len(m->prefix.family) * 8)
			vrf_addr_format(m->prefix.family, &m->prefix.addr, buf);
		else
			vrf_prefix_format(&m->prefix, buf);
		fprintf(f, "%s saddr %s ", m->prefix.family == AF_INET ? "ip" : "ip6", buf);
		break;
	case VRF_NM_L4PROTO:
		/* nft folds the protocol into "tcp dport ..." when a port follows. */
		if (i + 1 < r->n_m && r->m[i + 1].kind == VRF_NM_DPORT_SET)
			break;
		fputs("meta l4proto ", f);
		render_proto(f, m->proto);
		fputc(' ', f);
		break;
	case VRF_NM_DPORT_SET:
		render_proto(f, m->proto);
		fprintf(f, " dport @%s ", m->set);
		break;
	case VRF_NM_ICMPV6_TYPE:
		if (m->icmp_type == 135)
			fputs("icmpv6 type nd-neighbor-solicit ", f);
		else if (m->icmp_type == 136)
			fputs("icmpv6 type nd-neighbor-advert ", f);
		else
			fprintf(f, "icmpv6 type %u ", m->icmp_type);
		break;
	}
}

/* nft lists a set of ports five to a line, the rest indented under the first. */
static void render_set(FILE *f, const struct vrf_nft_set *set)
{
	fprintf(f, "\tset %s {\n\t\ttype inet_service\n%s", set->name,
		set->interval ? "\t\tflags interval\n" : "");
	fputs("\t\telements = { ", f);
	for (size_t i = 0; i < set->n; i++) {
		const struct vrf_port_range *r = &set->ranges[i];

		if (i > 0)
			fputs(i % 5 ? ", " : ",\n\t\t\t     ", f);
		if (r->lo == r->hi)
			fprintf(f, "%u", r->lo);
		else
			fprintf(f, "%u-%u", r->lo, r->hi);
	}
	fputs(" }\n\t}\n", f);
}

static void render_priority(FILE *f, int32_t prio)
{
	if (prio == 0)
		fputs("filter", f);
	else if (prio < 0)
		fprintf(f, "filter - %d", -prio);
	else
		fprintf(f, "filter + %d", prio);
}

int vrf_nft_ruleset_render(const struct vrf_nft_ruleset *rs, char **text)
{
	char *buf = NULL;
	size_t len = 0;
	bool first = true;
	FILE *f;
	int err = 0;

	*text = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	if (rs->n == 0)
		goto out;
	fprintf(f, "table inet %s {\n", VRF_NFT_TABLE);
	for (size_t i = 0; i < rs->n_sets; i++) {
		fputs(first ? "" : "\n", f);
		first = false;
		render_set(f, &rs->sets[i]);
	}
	for (int c = 0; c < VRF_NFT_CHAIN_COUNT; c++) {
		if (!vrf_nft_ruleset_has_chain(rs, c))
			continue;
		fprintf(f, "%s\tchain %s {\n", first ? "" : "\n", vrf_nft_chains[c].name);
		first = false;
		fprintf(f, "\t\ttype filter hook %s priority ", vrf_nft_chains[c].name);
		render_priority(f, vrf_nft_chains[c].prio);
		fputs("; policy accept;\n", f);
		for (size_t i = 0; i < rs->n; i++) {
			const struct vrf_nft_rule *r = &rs->rules[i];

			if (r->chain != (enum vrf_nft_chain_id)c)
				continue;
			fputs("\t\t", f);
			for (size_t k = 0; k < r->n_m; k++)
				render_match(f, r, k);
			if (r->counter)
				fputs("counter packets 0 bytes 0 ", f);
			fprintf(f, "%s comment \"%s\"\n", r->drop ? "drop" : "accept", r->comment);
		}
		fputs("\t}\n", f);
	}
	fputs("}\n", f);
out:
	if (fclose(f) != 0 || !buf)
		err = -ENOMEM;
	if (err < 0)
		free(buf);
	else
		*text = buf;
	return err;
}

int vrf_nft_render(const struct vrf_docker *d, char **text)
{
	struct vrf_nft_ruleset rs;
	int err;

	*text = NULL;
	err = vrf_nft_ruleset_build(d, &rs);
	if (err < 0)
		return err;
	err = vrf_nft_ruleset_render(&rs, text);
	vrf_nft_ruleset_free(&rs);
	return err;
}
