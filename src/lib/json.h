/* SPDX-License-Identifier: MIT */
#ifndef VRF_JSON_H
#define VRF_JSON_H

/*
 * A streaming JSON writer onto a FILE*: no tree, no allocation. The writer
 * puts the commas, the indentation (pretty: two spaces a level) and the
 * final newline; the caller says what comes next. In an object every value
 * needs a key; in an array and at the top the key is NULL (and ignored).
 *
 *	struct vrf_json j;
 *	vrf_json_init(&j, stdout, true);
 *	vrf_json_object_begin(&j, NULL);
 *	vrf_json_string(&j, "name", "mgmt");
 *	vrf_json_array_begin(&j, "members");
 *	vrf_json_string(&j, NULL, "eth0");
 *	vrf_json_array_end(&j);
 *	vrf_json_object_end(&j);
 *	return vrf_json_finish(&j);
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Deeper nesting than this is a caller bug: vrf_json_finish() says -EINVAL. */
#define VRF_JSON_MAX_DEPTH 32

struct vrf_json {
	FILE *out;
	bool pretty;
	bool misuse;                 /* unbalanced or too deep */
	unsigned depth;
	/* Per open container: something written in it yet (comma before the next). */
	bool nonempty[VRF_JSON_MAX_DEPTH + 1];
};

void vrf_json_init(struct vrf_json *j, FILE *out, bool pretty);

void vrf_json_object_begin(struct vrf_json *j, const char *key);
void vrf_json_object_end(struct vrf_json *j);
void vrf_json_array_begin(struct vrf_json *j, const char *key);
void vrf_json_array_end(struct vrf_json *j);

/* val NULL writes null. Bytes that are not UTF-8 become U+FFFD. */
void vrf_json_string(struct vrf_json *j, const char *key, const char *val);
void vrf_json_int(struct vrf_json *j, const char *key, int64_t val);
void vrf_json_uint(struct vrf_json *j, const char *key, uint64_t val);
void vrf_json_bool(struct vrf_json *j, const char *key, bool val);
void vrf_json_null(struct vrf_json *j, const char *key);

/*
 * After the last value: 0, -EINVAL when containers were left open or closed
 * too often, -EIO when the stream had a write error. Flushes out.
 */
int vrf_json_finish(struct vrf_json *j);

#endif
