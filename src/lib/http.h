/* SPDX-License-Identifier: MIT */
#ifndef VRF_HTTP_H
#define VRF_HTTP_H

/*
 * HTTP/1.1 GET over a UNIX socket, as much of it as the Docker Engine API
 * needs: one request per connection ("Connection: close"), and an answer
 * whose body has a Content-Length, comes in chunks, or runs to the end of
 * the stream. No TLS, no TCP, no redirects: the daemon's socket is local.
 *
 * Why not libcurl: it did this (CURLOPT_UNIX_SOCKET_PATH), but it brought
 * some thirty shared libraries (TLS, Kerberos, LDAP...) that the dynamic
 * loader mapped and relocated on every run of vrfctl, Docker or not: most
 * of the start-up of a command that ifupdown runs once per interface at
 * boot.
 *
 * The reader is incremental and owns no socket: bytes in, body bytes out
 * to a callback. The event stream is one answer that never ends, read as
 * it comes in the same poll() loop as netlink; a plain answer is the same
 * reader fed until it says the answer is complete.
 */

#include <stdbool.h>
#include <stddef.h>

/* The longest status or header line, or chunk-size line, taken (bytes). */
#define VRF_HTTP_LINE_MAX 4096

/* Body bytes as they come: 0 to go on, or a negative errno to stop. */
typedef int (*vrf_http_body_fn)(void *data, const char *bytes, size_t len);

struct vrf_http_reader {
	int status;                  /* the status code; 0 until its line came */
	int state;                   /* where in the answer (http.c) */
	bool chunked;
	bool has_length;
	unsigned long long left;     /* of Content-Length, or of this chunk */
	char line[VRF_HTTP_LINE_MAX];
	size_t line_len;
	vrf_http_body_fn body;
	void *data;
};

void vrf_http_reader_init(struct vrf_http_reader *r, vrf_http_body_fn body, void *data);

/*
 * Feed len bytes of the answer. 0: more is wanted; 1: the answer is
 * complete (bytes after it are ignored); -EBADMSG: not an HTTP answer;
 * -EMSGSIZE: a line longer than VRF_HTTP_LINE_MAX; or the body's error.
 */
int vrf_http_reader_feed(struct vrf_http_reader *r, const char *bytes, size_t len);

/* The stream ended: 1 when that completes the answer (a body without a
 * length), -EPIPE when the answer was cut short. */
int vrf_http_reader_eof(struct vrf_http_reader *r);

/*
 * Connect to the UNIX socket at path and send "GET target", waiting at most
 * timeout_ms for each (a daemon that does not accept). The socket is then
 * non-blocking, close-on-exec; the caller reads it into a reader. Returns
 * the fd, or -ENOENT (no socket there), -EACCES, -ECONNREFUSED (nobody
 * listens), -ETIMEDOUT, -ENAMETOOLONG, or another connect/write errno.
 */
int vrf_http_request(const char *path, const char *target, int timeout_ms);

/*
 * Read fd into r until the answer is complete, for at most timeout_ms in
 * all: 0, -ETIMEDOUT, -EPIPE (the daemon hung up early), or the reader's
 * error.
 */
int vrf_http_read_all(int fd, struct vrf_http_reader *r, int timeout_ms);

/*
 * Read fd into r until the status line and the headers are in, for at most
 * timeout_ms: 0, or an error as for vrf_http_read_all. For an answer whose
 * body never ends (an event stream); what of the body came with the
 * headers has gone to the body callback.
 */
int vrf_http_read_head(int fd, struct vrf_http_reader *r, int timeout_ms);

/*
 * Read what fd has now, without waiting: 0 (nothing more for now), 1 (the
 * answer is complete, or the stream ended where that completes it), or an
 * error as for vrf_http_read_all.
 */
int vrf_http_read_some(int fd, struct vrf_http_reader *r);

#endif
