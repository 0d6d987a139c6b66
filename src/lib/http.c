/* SPDX-License-Identifier: MIT */
/*
 * The Engine API's transport: HTTP/1.1 over a UNIX socket (http.h says
 * why not libcurl). RFC 9112 as far as a daemon's answers need it: a
 * status line, header lines, then the body by Content-Length, by chunks
 * (their extensions and trailers skipped), or to the end of the stream.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"

enum {
	ST_STATUS,                   /* the status line */
	ST_HEADER,                   /* header lines, up to the empty one */
	ST_LENGTH,                   /* Content-Length bytes of body */
	ST_TO_EOF,                   /* body up to the end of the stream */
	ST_CHUNK_SIZE,               /* a chunk's size line */
	ST_CHUNK_DATA,
	ST_CHUNK_END,                /* the CRLF after a chunk's data */
	ST_TRAILER,                  /* trailer lines after the last chunk */
	ST_DONE,
};

void vrf_http_reader_init(struct vrf_http_reader *r, vrf_http_body_fn body, void *data)
{
	memset(r, 0, sizeof(*r));
	r->state = ST_STATUS;
	r->body = body;
	r->data = data;
}

/* "HTTP/1.1 200 OK": the code, or -EBADMSG. */
static int parse_status(const char *line)
{
	char *end;
	long code;

	if (strncmp(line, "HTTP/1.", 7) != 0 || !line[7] || line[8] != ' ')
		return -EBADMSG;
	code = strtol(line + 9, &end, 10);
	if (end != line + 12 || code < 100 || code > 599 || (*end && *end != ' '))
		return -EBADMSG;
	return (int)code;
}

/* A header line; only the two that say where the body ends are read. */
static int parse_header(struct vrf_http_reader *r, char *line)
{
	char *colon = strchr(line, ':'), *value, *end;

	if (!colon || colon == line)
		return -EBADMSG;
	*colon = '\0';
	value = colon + 1 + strspn(colon + 1, " \t");
	if (strcasecmp(line, "Transfer-Encoding") == 0) {
		/* The last coding is the one that frames the body. */
		const char *last = strrchr(value, ',');

		last = last ? last + 1 + strspn(last + 1, " \t") : value;
		r->chunked = strncasecmp(last, "chunked", 7) == 0 &&
			     last[7 + strspn(last + 7, " \t")] == '\0';
	} else if (strcasecmp(line, "Content-Length") == 0) {
		errno = 0;
		r->left = strtoull(value, &end, 10);
		if (errno || end == value || *value == '-' || end[strspn(end, " \t")])
			return -EBADMSG;
		r->has_length = true;
	}
	return 0;
}

/* After the empty line: where the body ends (RFC 9112, 6.3). */
static int body_starts(struct vrf_http_reader *r)
{
	if (r->status < 200) {
		/* 1xx: an interim answer; the real one follows. */
		r->status = 0;
		r->chunked = r->has_length = false;
		r->state = ST_STATUS;
		return 0;
	}
	if (r->status == 204 || r->status == 304)
		r->state = ST_DONE;
	else if (r->chunked)
		r->state = ST_CHUNK_SIZE;
	else if (r->has_length)
		r->state = r->left ? ST_LENGTH : ST_DONE;
	else
		r->state = ST_TO_EOF;
	return r->state == ST_DONE ? 1 : 0;
}

/* "1a;ext=x": the size, or -EBADMSG. */
static int parse_chunk_size(struct vrf_http_reader *r, const char *line)
{
	char *end;

	if (!line[0] || !strchr("0123456789abcdefABCDEF", line[0]))
		return -EBADMSG;
	errno = 0;
	r->left = strtoull(line, &end, 16);
	if (errno)
		return -EBADMSG;
	end += strspn(end, " \t");
	return *end && *end != ';' ? -EBADMSG : 0;
}

/* One whole line (without its CR LF) in the state that reads lines. */
static int take_line(struct vrf_http_reader *r, char *line)
{
	int err;

	switch (r->state) {
	case ST_STATUS:
		err = parse_status(line);
		if (err < 0)
			return err;
		r->status = err;
		r->state = ST_HEADER;
		return 0;
	case ST_HEADER:
		return *line ? parse_header(r, line) : body_starts(r);
	case ST_CHUNK_SIZE:
		err = parse_chunk_size(r, line);
		if (err < 0)
			return err;
		r->state = r->left ? ST_CHUNK_DATA : ST_TRAILER;
		return 0;
	case ST_CHUNK_END:
		if (*line)
			return -EBADMSG;
		r->state = ST_CHUNK_SIZE;
		return 0;
	case ST_TRAILER:
		if (*line)
			return 0;
		r->state = ST_DONE;
		return 1;
	default:
		return -EBADMSG;
	}
}

/* Body bytes of a length known in advance: as many of len as belong to it. */
static int take_counted(struct vrf_http_reader *r, const char *bytes, size_t len, size_t *used)
{
	size_t n = r->left < len ? (size_t)r->left : len;
	int err = n ? r->body(r->data, bytes, n) : 0;

	*used = n;
	r->left -= n;
	return err;
}

int vrf_http_reader_feed(struct vrf_http_reader *r, const char *bytes, size_t len)
{
	size_t used;
	int err = 0;

	while (len && r->state != ST_DONE && err == 0) {
		switch (r->state) {
		case ST_LENGTH:
			err = take_counted(r, bytes, len, &used);
			if (!err && !r->left) {
				r->state = ST_DONE;
				err = 1;
			}
			break;
		case ST_CHUNK_DATA:
			err = take_counted(r, bytes, len, &used);
			if (!err && !r->left)
				r->state = ST_CHUNK_END;
			break;
		case ST_TO_EOF:
			err = r->body(r->data, bytes, len);
			used = len;
			break;
		default: {
			/* A line: up to LF, a CR before it dropped. */
			const char *lf = memchr(bytes, '\n', len);
			size_t n = lf ? (size_t)(lf - bytes) : len;

			used = lf ? n + 1 : n;
			if (r->line_len + n >= sizeof(r->line))
				return -EMSGSIZE;
			memcpy(r->line + r->line_len, bytes, n);
			r->line_len += n;
			if (!lf)
				break;
			if (r->line_len && r->line[r->line_len - 1] == '\r')
				r->line_len--;
			r->line[r->line_len] = '\0';
			r->line_len = 0;
			err = take_line(r, r->line);
		}
		}
		bytes += used;
		len -= used;
	}
	return err;
}

int vrf_http_reader_eof(struct vrf_http_reader *r)
{
	if (r->state == ST_DONE || r->state == ST_TO_EOF) {
		r->state = ST_DONE;
		return 1;
	}
	return -EPIPE;
}

int vrf_http_request(const char *path, const char *target, int timeout_ms)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = timeout_ms % 1000 * 1000 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char req[1024];
	int fd, n, off = 0, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* The host is not used on a UNIX socket, but HTTP/1.1 needs one. */
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: docker\r\nUser-Agent: vrfctl\r\n"
		     "Accept: application/json\r\nConnection: close\r\n\r\n", target);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Blocking for the connect and the request, which a local daemon takes
	 * at once (its backlog, the socket buffer), bounded all the same: a
	 * UNIX socket's connect waits for as long as its send timeout. Then
	 * non-blocking. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	while (off < n) {
		ssize_t w = send(fd, req + off, (size_t)(n - off), MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (int)w;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		goto fail;
	return fd;
fail:
	err = errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	close(fd);
	return err;
}

int vrf_http_read_some(int fd, struct vrf_http_reader *r)
{
	char buf[16384];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		int err;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		if (n == 0)
			return vrf_http_reader_eof(r);
		err = vrf_http_reader_feed(r, buf, (size_t)n);
		if (err)
			return err;
	}
}

/* Read fd into r until the answer is complete, or with head_only until its
 * headers are in, for at most timeout_ms in all. */
static int read_until(int fd, struct vrf_http_reader *r, int timeout_ms, bool head_only)
{
	long long end = vrf_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - vrf_now_ms();
		int err = vrf_http_read_some(fd, r);

		if (err)
			return err < 0 ? err : 0;
		if (head_only && r->state > ST_HEADER)
			return 0;
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
	}
}

int vrf_http_read_all(int fd, struct vrf_http_reader *r, int timeout_ms)
{
	return read_until(fd, r, timeout_ms, false);
}

int vrf_http_read_head(int fd, struct vrf_http_reader *r, int timeout_ms)
{
	return read_until(fd, r, timeout_ms, true);
}
