/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

void vrf_json_init(struct vrf_json *j, FILE *out, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
}

static void indent(struct vrf_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Bytes of the UTF-8 sequence starting at s, or 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		/* Also stops at the NUL: it is not a continuation byte. */
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates and beyond U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void write_string(struct vrf_json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', j->out);
	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			/* Interface names may hold any byte; JSON must be UTF-8. */
			fputs("\\ufffd", j->out);
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, j->out);
			p += n;
			continue;
		}
		switch (*p) {
		case '"':  fputs("\\\"", j->out); break;
		case '\\': fputs("\\\\", j->out); break;
		case '\b': fputs("\\b", j->out); break;
		case '\f': fputs("\\f", j->out); break;
		case '\n': fputs("\\n", j->out); break;
		case '\r': fputs("\\r", j->out); break;
		case '\t': fputs("\\t", j->out); break;
		default:
			if (*p < 0x20)
				fprintf(j->out, "\\u%04x", *p);
			else
				fputc(*p, j->out);
		}
		p++;
	}
	fputc('"', j->out);
}

/* Everything a value needs before it: comma, newline and indent, key. */
static void prefix(struct vrf_json *j, const char *key)
{
	/* Top-level values are separate documents, one a line: no comma. */
	if (j->depth > 0 && j->nonempty[j->depth])
		fputc(',', j->out);
	if (j->depth > 0)
		indent(j);
	j->nonempty[j->depth] = true;
	if (key && j->depth > 0) {
		write_string(j, key);
		fputs(j->pretty ? ": " : ":", j->out);
	}
}

/* After a value: a document that is complete ends its line. */
static void suffix(struct vrf_json *j)
{
	if (j->depth == 0)
		fputc('\n', j->out);
}

static void begin(struct vrf_json *j, const char *key, char open)
{
	if (j->depth >= VRF_JSON_MAX_DEPTH) {
		j->misuse = true;
		return;
	}
	prefix(j, key);
	fputc(open, j->out);
	j->depth++;
	j->nonempty[j->depth] = false;
}

static void end(struct vrf_json *j, char close)
{
	if (j->depth == 0) {
		j->misuse = true;
		return;
	}
	j->depth--;
	/* An empty container stays on one line: {} and []. */
	if (j->nonempty[j->depth + 1])
		indent(j);
	fputc(close, j->out);
	suffix(j);
}

void vrf_json_object_begin(struct vrf_json *j, const char *key)
{
	begin(j, key, '{');
}

void vrf_json_object_end(struct vrf_json *j)
{
	end(j, '}');
}

void vrf_json_array_begin(struct vrf_json *j, const char *key)
{
	begin(j, key, '[');
}

void vrf_json_array_end(struct vrf_json *j)
{
	end(j, ']');
}

void vrf_json_string(struct vrf_json *j, const char *key, const char *val)
{
	prefix(j, key);
	if (val)
		write_string(j, val);
	else
		fputs("null", j->out);
	suffix(j);
}

void vrf_json_int(struct vrf_json *j, const char *key, int64_t val)
{
	prefix(j, key);
	fprintf(j->out, "%" PRId64, val);
	suffix(j);
}

void vrf_json_uint(struct vrf_json *j, const char *key, uint64_t val)
{
	prefix(j, key);
	fprintf(j->out, "%" PRIu64, val);
	suffix(j);
}

void vrf_json_bool(struct vrf_json *j, const char *key, bool val)
{
	prefix(j, key);
	fputs(val ? "true" : "false", j->out);
	suffix(j);
}

void vrf_json_null(struct vrf_json *j, const char *key)
{
	prefix(j, key);
	fputs("null", j->out);
	suffix(j);
}

int vrf_json_finish(struct vrf_json *j)
{
	if (fflush(j->out) != 0 || ferror(j->out))
		return -EIO;
	if (j->misuse || j->depth != 0)
		return -EINVAL;
	return 0;
}
