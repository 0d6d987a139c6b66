/* SPDX-License-Identifier: MIT */
/*
 * The escape suite: every way we know for an unprivileged program in a VRF to
 * get a packet out of an interface that is not the VRF's, tried one by one,
 * and a sniffer that proves what really left (tests/vm/exec-escape.vm).
 *
 *   escape run [KEY=VALUE...] [NAME...]  try each attempt (all but the
 *                                        named-only ones, or those named)
 *   escape list                          the attempts, in order
 *   escape sniff IFNAME SECONDS          print each tagged frame IFNAME receives
 *   escape donor SECONDS                 hold an unbound UDP socket to be taken
 *   escape tipc-serve SECONDS            publish the TIPC service the tipc attempt uses
 *   escape mark HOST                     send the tag that ends a sniff
 *
 * run prints one line per attempt, what the system calls said:
 *   NAME: sent [(DETAIL)]   NAME: blocked (ERRNO) STEP   NAME: skipped (WHY)
 * (a helper program says only its exit status: NAME: blocked (exit-N)).
 * The truth is what the sniffer sees: every attempt's packets carry a tag
 * naming it, the payload "ESCAPE NAME", or, where the payload cannot be seen
 * (a TCP or SCTP handshake), a destination port of its own (PORT_BASE + its
 * index), or, for a helper's ping, an ICMP echo of a size of its own.
 *
 * Keys (defaults: tests/vm/exec-escape.vm's topology): uplink= the interface
 * outside the VRF, up4= its IPv4 address, peer4= the on-link peer there,
 * own6= and peer6= the link-local addresses at either end, lan= the VRF's
 * member, donor=PID:FD (from `escape donor`), ping= a ping with file
 * capabilities, capsping= a busybox given cap_net_raw, run= a word added to
 * the payload tags, so that a frame seen later (a kernel transport's retry)
 * is not taken for one of a later run.
 *
 * Each attempt runs in a child of its own (a socket, an unshare or a cgroup
 * move of one never helps the next), killed after ATTEMPT_SECONDS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/if_packet.h>
#include <linux/io_uring.h>
#include <linux/rds.h>
#include <linux/rxrpc.h>
#include <linux/tipc.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netdb.h>
#include <poll.h>
#include <resolv.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Outside the VRF, behind the uplink: what must stay unreachable. */
#define TARGET4 "203.0.113.1"
#define TARGET6 "2001:db8:113::1"
#define GROUP4 "239.1.2.3"
#define MDNS4 "224.0.0.251"
#define PORT_BASE 7400
#define ATTEMPT_SECONDS 8
#define CONNECT_MS 1500
#define RDS_HOLD_SECONDS 2

struct config {
	const char *uplink, *lan, *up4, *peer4, *own6, *peer6, *ping, *capsping, *run;
	pid_t donor_pid;
	int donor_fd;
};

/* One attempt being run: its tag, and what to report besides the verdict. */
struct ctx {
	const struct config *cfg;
	const char *name;
	uint16_t port;
	char payload[80];      /* "ESCAPE NAME[ RUN]", behind an ICMP header for pings */
	size_t payload_len;
	const char *step;      /* the call that failed */
	char detail[48];       /* for sent/skipped */
};

/* What an attempt returns: SENT, an errno (blocked), SKIPPED, or for a helper
 * program that failed EXITED(its status). */
enum { SENT = 0, SKIPPED = -1 };
#define EXITED(status) (-1000 - (status))

struct attempt {
	const char *name;
	int (*fn)(struct ctx *c);
	uint16_t port;         /* 0: PORT_BASE + index */
	uint16_t icmp_size;    /* a helper's ping: its data size is its tag */
	bool named_only;       /* run only when named (they change the VRF for all) */
};

/* --- helpers ---------------------------------------------------------------- */

static const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "error";
}

/* The attempt could not go on: errno (the verdict) and the call that said it. */
static int fail(struct ctx *c, const char *step)
{
	int err = errno;

	c->step = step;
	return err ? err : EIO;
}

static int skip(struct ctx *c, const char *why)
{
	snprintf(c->detail, sizeof(c->detail), "%s", why);
	return SKIPPED;
}

/* A family or protocol this kernel lacks (no module) is a skip, not a block. */
static int socket_or_skip(struct ctx *c, int family, int type, int proto, int *fd)
{
	*fd = socket(family, type, proto);
	if (*fd >= 0)
		return 0;
	if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT)
		return skip(c, errname(errno));
	return fail(c, "socket");
}

static socklen_t sa4(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	inet_pton(AF_INET, ip, &in->sin_addr);
	return sizeof(*in);
}

static socklen_t sa6(struct sockaddr_storage *ss, const char *ip, uint16_t port, unsigned scope)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	in6->sin6_scope_id = scope;
	inet_pton(AF_INET6, ip, &in6->sin6_addr);
	return sizeof(*in6);
}

static unsigned uplink_index(const struct ctx *c)
{
	return if_nametoindex(c->cfg->uplink);
}

static int send_tag(struct ctx *c, int fd, const struct sockaddr_storage *ss, socklen_t len,
		    int flags)
{
	if (sendto(fd, c->payload, c->payload_len, flags, (const struct sockaddr *)ss, len) < 0)
		return fail(c, "sendto");
	return SENT;
}

/* A new UDP socket of family sending the tag to ss. */
static int udp_tag(struct ctx *c, int family, const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd < 0)
		return fail(c, "socket");
	return send_tag(c, fd, ss, len, 0);
}

/* The same after one socket option (what: its name, for the verdict). */
static int opt_tag(struct ctx *c, int family, int level, int opt, const char *what,
		   const void *val, socklen_t size, const struct sockaddr_storage *ss,
		   socklen_t len)
{
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd < 0)
		return fail(c, "socket");
	if (setsockopt(fd, level, opt, val, size) < 0)
		return fail(c, what);
	return send_tag(c, fd, ss, len, 0);
}

/*
 * Connect without blocking for long: the SYN (the tag is the port) has left
 * or not by the time connect() returns; wait a little for the answer, which
 * only adds detail. Connected, the tag goes as data too.
 */
static int connect_tag(struct ctx *c, int fd, const struct sockaddr_storage *ss, socklen_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t el = sizeof(err);

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS)
		return fail(c, "connect");
	if (poll(&p, 1, CONNECT_MS) <= 0) {
		snprintf(c->detail, sizeof(c->detail), "no answer");
		return SENT;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	snprintf(c->detail, sizeof(c->detail), "%s", err ? errname(err) : "connected");
	if (!err)
		send(fd, c->payload, c->payload_len, MSG_NOSIGNAL);
	return SENT;
}

static int tcp_tag(struct ctx *c, int family, int proto, const struct sockaddr_storage *ss,
		   socklen_t len)
{
	int fd, r = socket_or_skip(c, family, SOCK_STREAM, proto, &fd);

	return r ? r : connect_tag(c, fd, ss, len);
}

/* sendmsg with one control message (level, type, data). */
static int sendmsg_tag(struct ctx *c, int fd, const struct sockaddr_storage *ss, socklen_t len,
		       int level, int type, const void *data, size_t size)
{
	union {
		char buf[CMSG_SPACE(64)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = c->payload, .iov_len = c->payload_len };
	struct msghdr msg = {
		.msg_name = (void *)ss, .msg_namelen = len, .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = CMSG_SPACE(size),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	memset(&control, 0, sizeof(control));
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(size);
	memcpy(CMSG_DATA(cm), data, size);
	if (sendmsg(fd, &msg, 0) < 0)
		return fail(c, "sendmsg");
	return SENT;
}

/* The tag behind an ICMP echo request header, for a ping socket (the kernel sets the id). */
static void echo_tag(struct ctx *c, int v6)
{
	struct icmphdr h = { .type = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO };

	memmove(c->payload + sizeof(h), c->payload, c->payload_len);
	memcpy(c->payload, &h, sizeof(h));
	c->payload_len += sizeof(h);
}

static int ping_socket(struct ctx *c, int family, int *fd)
{
	*fd = socket(family, SOCK_DGRAM, family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	return *fd < 0 ? fail(c, "socket") : 0;
}

/* --- IPv4: multicast, interface overrides, broadcast ------------------------ */

static int mcast4_mdns(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, MDNS4, 5353);

	return udp_tag(c, AF_INET, &ss, len);
}

static int mcast4_group(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, GROUP4, c->port);

	return udp_tag(c, AF_INET, &ss, len);
}

static int mcast4_if_index(struct ctx *c)
{
	struct ip_mreqn mr = { .imr_ifindex = (int)uplink_index(c) };
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, GROUP4, c->port);

	return opt_tag(c, AF_INET, IPPROTO_IP, IP_MULTICAST_IF, "IP_MULTICAST_IF",
		       &mr, sizeof(mr), &ss, len);
}

static int mcast4_if_addr(struct ctx *c)
{
	struct in_addr a;
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, GROUP4, c->port);

	inet_pton(AF_INET, c->cfg->up4, &a);
	return opt_tag(c, AF_INET, IPPROTO_IP, IP_MULTICAST_IF, "IP_MULTICAST_IF", &a, sizeof(a),
		       &ss, len);
}

/* LAN multicast through the VRF's member: legitimate, must keep working. */
static int lan_mcast(struct ctx *c)
{
	struct ip_mreqn mr = { .imr_ifindex = (int)if_nametoindex(c->cfg->lan) };
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, GROUP4, c->port);

	return opt_tag(c, AF_INET, IPPROTO_IP, IP_MULTICAST_IF, "IP_MULTICAST_IF",
		       &mr, sizeof(mr), &ss, len);
}

static int pktinfo4(struct ctx *c, int fd, const struct in_pktinfo *pi)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);

	return sendmsg_tag(c, fd, &ss, len, IPPROTO_IP, IP_PKTINFO, pi, sizeof(*pi));
}

static int pktinfo4_udp(struct ctx *c)
{
	struct in_pktinfo pi = { .ipi_ifindex = (int)uplink_index(c) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	return fd < 0 ? fail(c, "socket") : pktinfo4(c, fd, &pi);
}

/* Only a source address (the uplink's) and no interface. */
static int pktinfo4_src(struct ctx *c)
{
	struct in_pktinfo pi = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	inet_pton(AF_INET, c->cfg->up4, &pi.ipi_spec_dst);
	return fd < 0 ? fail(c, "socket") : pktinfo4(c, fd, &pi);
}

static int pktinfo4_ping(struct ctx *c)
{
	struct in_pktinfo pi = { .ipi_ifindex = (int)uplink_index(c) };
	int fd, r = ping_socket(c, AF_INET, &fd);

	echo_tag(c, 0);
	return r ? r : pktinfo4(c, fd, &pi);
}

static int ping4_plain(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, 0);
	int fd, r = ping_socket(c, AF_INET, &fd);

	echo_tag(c, 0);
	return r ? r : send_tag(c, fd, &ss, len, 0);
}

static int unicast_if4(struct ctx *c)
{
	/* IPv4's IP_UNICAST_IF takes the index in network byte order. */
	uint32_t idx = htonl(uplink_index(c));
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);

	return opt_tag(c, AF_INET, IPPROTO_IP, IP_UNICAST_IF, "IP_UNICAST_IF",
		       &idx, sizeof(idx), &ss, len);
}

static int bind_device(struct ctx *c, const char *dev)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);

	return opt_tag(c, AF_INET, SOL_SOCKET, SO_BINDTODEVICE, "SO_BINDTODEVICE", dev,
		       (socklen_t)strlen(dev) + 1, &ss, len);
}

static int bindtodevice_uplink(struct ctx *c)
{
	return bind_device(c, c->cfg->uplink);
}

static int bindtodevice_none(struct ctx *c)
{
	return bind_device(c, "");
}

static int bindtoifindex(struct ctx *c)
{
	int idx = (int)uplink_index(c);
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);

	return opt_tag(c, AF_INET, SOL_SOCKET, SO_BINDTOIFINDEX, "SO_BINDTOIFINDEX",
		       &idx, sizeof(idx), &ss, len);
}

static int dontroute_so(struct ctx *c)
{
	int one = 1;
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, c->cfg->peer4, c->port);

	return opt_tag(c, AF_INET, SOL_SOCKET, SO_DONTROUTE, "SO_DONTROUTE",
		       &one, sizeof(one), &ss, len);
}

static int dontroute_msg(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, c->cfg->peer4, c->port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	return fd < 0 ? fail(c, "socket") : send_tag(c, fd, &ss, len, MSG_DONTROUTE);
}

static int onlink4(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, c->cfg->peer4, c->port);

	return udp_tag(c, AF_INET, &ss, len);
}

static int bcast4(struct ctx *c)
{
	int one = 1;
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, "255.255.255.255", c->port);

	return opt_tag(c, AF_INET, SOL_SOCKET, SO_BROADCAST, "SO_BROADCAST",
		       &one, sizeof(one), &ss, len);
}

static int udp4_plain(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);

	return udp_tag(c, AF_INET, &ss, len);
}

static int tcp4_plain(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);

	return tcp_tag(c, AF_INET, 0, &ss, len);
}

static int raw4(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, 0);
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);

	return fd < 0 ? fail(c, "socket") : send_tag(c, fd, &ss, len, 0);
}

/* A socket made without the C library's socket(): the shim never sees it. */
static int raw_syscall(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);
	int fd = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);

	return fd < 0 ? fail(c, "socket") : send_tag(c, fd, &ss, len, 0);
}

/* The C library's own DNS socket (not made through socket(): the shim never
 * sees it), to the nameserver of /etc/resolv.conf (the test's: TARGET4). The
 * tag is the query's first label, "\032" a space in it. */
static int dns_glibc(struct ctx *c)
{
	unsigned char answer[512];
	char name[128], *out = name;

	for (const char *p = c->payload; *p && out < name + sizeof(name) - 12; p++)
		out += *p == ' ' ? snprintf(out, 5, "\\032") : snprintf(out, 2, "%c", *p);
	snprintf(out, name + sizeof(name) - out, ".test");
	setenv("RES_OPTIONS", "timeout:1 attempts:1", 1);
	errno = 0;
	if (res_query(name, C_IN, ns_t_a, answer, sizeof(answer)) >= 0 || errno == ECONNREFUSED ||
	    errno == ETIMEDOUT || errno == 0) {
		snprintf(c->detail, sizeof(c->detail), "%s", errno ? errname(errno) : "answer");
		return SENT;
	}
	return fail(c, "res_query");
}

/* --- IPv6: scope ids, scoped bind, pktinfo ------------------------------------ */

/* src: the source in the pktinfo; to a v4-mapped destination the kernel
 * wants a v4-mapped one (any: ::ffff:0.0.0.0). */
static int pktinfo6_to(struct ctx *c, const char *src, const char *dst)
{
	struct in6_pktinfo pi = { .ipi6_ifindex = uplink_index(c) };
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, dst, c->port, 0);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	inet_pton(AF_INET6, src, &pi.ipi6_addr);
	if (fd < 0)
		return fail(c, "socket");
	return sendmsg_tag(c, fd, &ss, len, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
}

static int pktinfo6_mapped(struct ctx *c)
{
	return pktinfo6_to(c, "::ffff:0.0.0.0", "::ffff:" TARGET4);
}

static int pktinfo6(struct ctx *c)
{
	return pktinfo6_to(c, "::", TARGET6);
}

static int scoped_udp(struct ctx *c, const char *dst, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, dst, port, uplink_index(c));

	return udp_tag(c, AF_INET6, &ss, len);
}

static int scope6_ll(struct ctx *c)
{
	return scoped_udp(c, c->cfg->peer6, c->port);
}

static int scope6_all_nodes(struct ctx *c)
{
	return scoped_udp(c, "ff02::1", c->port);
}

static int scope6_mdns(struct ctx *c)
{
	return scoped_udp(c, "ff02::fb", 5353);
}

static int scope6_ping(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, c->cfg->peer6, 0, uplink_index(c));
	int fd, r = ping_socket(c, AF_INET6, &fd);

	echo_tag(c, 1);
	return r ? r : send_tag(c, fd, &ss, len, 0);
}

static int connect6_scoped(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, c->cfg->peer6, c->port, uplink_index(c));
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0)
		return fail(c, "socket");
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		return fail(c, "connect");
	if (send(fd, c->payload, c->payload_len, 0) < 0)
		return fail(c, "send");
	return SENT;
}

static int tcp6_scoped(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, c->cfg->peer6, c->port, uplink_index(c));

	return tcp_tag(c, AF_INET6, 0, &ss, len);
}

/*
 * bind() to a link-local address with a scope id sets the socket's device to
 * that scope, capability or not; when the bind then fails (no such address
 * there), the device stays set. keep_going sends all the same.
 */
static int scoped_bind(struct ctx *c, int type, const char *local, bool keep_going,
		       const char *dst)
{
	struct sockaddr_storage me, ss;
	socklen_t ml = sa6(&me, local, 0, uplink_index(c));
	socklen_t len = sa6(&ss, dst, c->port, 0);
	int fd = socket(AF_INET6, type, 0);

	if (fd < 0)
		return fail(c, "socket");
	if (bind(fd, (struct sockaddr *)&me, ml) < 0) {
		if (!keep_going)
			return fail(c, "bind");
		snprintf(c->detail, sizeof(c->detail), "bind: %s", errname(errno));
	}
	if (type == SOCK_STREAM)
		return connect_tag(c, fd, &ss, len);
	return send_tag(c, fd, &ss, len, 0);
}

static int bind6_scoped(struct ctx *c)
{
	return scoped_bind(c, SOCK_DGRAM, c->cfg->own6, false, c->cfg->peer6);
}

static int bind6_scoped_tcp(struct ctx *c)
{
	return scoped_bind(c, SOCK_STREAM, c->cfg->own6, false, c->cfg->peer6);
}

static int bind6_failed(struct ctx *c)
{
	return scoped_bind(c, SOCK_DGRAM, "fe80::dead", true, "::ffff:" TARGET4);
}

static int unicast_if6(struct ctx *c)
{
	int idx = (int)uplink_index(c);
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, TARGET6, c->port, 0);

	return opt_tag(c, AF_INET6, IPPROTO_IPV6, IPV6_UNICAST_IF, "IPV6_UNICAST_IF",
		       &idx, sizeof(idx), &ss, len);
}

static int mcast6_if(struct ctx *c)
{
	int idx = (int)uplink_index(c);
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, "ff02::fb", 5353, 0);

	return opt_tag(c, AF_INET6, IPPROTO_IPV6, IPV6_MULTICAST_IF, "IPV6_MULTICAST_IF",
		       &idx, sizeof(idx), &ss, len);
}

static int mcast6_plain(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, "ff02::fb", 5353, 0);

	return udp_tag(c, AF_INET6, &ss, len);
}

static int udp6_plain(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, TARGET6, c->port, 0);

	return udp_tag(c, AF_INET6, &ss, len);
}

static int tcp6_plain(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, TARGET6, c->port, 0);

	return tcp_tag(c, AF_INET6, 0, &ss, len);
}

/* --- other protocols: sockets the kernel makes on the program's behalf -------- */

static int mptcp4(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);

	return tcp_tag(c, AF_INET, IPPROTO_MPTCP, &ss, len);
}

static int mptcp6(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa6(&ss, TARGET6, c->port, 0);

	return tcp_tag(c, AF_INET6, IPPROTO_MPTCP, &ss, len);
}

/* SMC's handshake runs over a TCP socket the kernel makes itself. */
static int smc(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);

	return tcp_tag(c, AF_SMC, 0, &ss, len);
}

static int sctp(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);
	int fd, r = socket_or_skip(c, AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, &fd);

	/* Blocking, the send would wait for the association. */
	return r ? r : send_tag(c, fd, &ss, len, MSG_DONTWAIT);
}

/* RDS over TCP: the kernel connects to the peer's port 16385 from a worker,
 * and the message follows. */
static int rds(struct ctx *c)
{
	int tcp = RDS_TRANS_TCP;
	struct sockaddr_storage me, ss;
	socklen_t ml = sa4(&me, c->cfg->up4, 0), len = sa4(&ss, TARGET4, c->port);
	int fd, r = socket_or_skip(c, AF_RDS, SOCK_SEQPACKET, 0, &fd);

	if (r)
		return r;
	if (setsockopt(fd, SOL_RDS, SO_RDS_TRANSPORT, &tcp, sizeof(tcp)) < 0)
		return fail(c, "SO_RDS_TRANSPORT");
	if (bind(fd, (struct sockaddr *)&me, ml) < 0)
		return fail(c, "bind");
	r = send_tag(c, fd, &ss, len, MSG_DONTWAIT);
	/* The message waits in the socket until the kernel's first connection
	 * to the peer is up; closing the socket before would drop it. */
	if (r == SENT)
		sleep(RDS_HOLD_SECONDS);
	return r;
}

/* The TIPC service `escape tipc-serve` publishes on another node. */
static const struct sockaddr_tipc tipc_service = {
	.family = AF_TIPC, .addrtype = TIPC_SERVICE_ADDR, .scope = TIPC_CLUSTER_SCOPE,
	.addr.name.name = { .type = 18888, .instance = 17 },
};

/* TIPC sends through the bearers the administrator enabled (a UDP one in the
 * test), on the kernel's own socket. */
static int tipc(struct ctx *c)
{
	struct sockaddr_tipc to = tipc_service;
	int fd, r = socket_or_skip(c, AF_TIPC, SOCK_RDM, 0, &fd);

	if (r)
		return r;
	if (sendto(fd, c->payload, c->payload_len, MSG_DONTWAIT, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return fail(c, "sendto");
	return SENT;
}

/* An RxRPC client call: its data goes out in the clear on the kernel's UDP socket. */
static int rxrpc(struct ctx *c)
{
	struct sockaddr_rxrpc srx = {
		.srx_family = AF_RXRPC, .srx_service = 1, .transport_type = SOCK_DGRAM,
		.transport_len = sizeof(struct sockaddr_in),
	};
	unsigned long call_id = 1;
	int fd, r = socket_or_skip(c, AF_RXRPC, SOCK_DGRAM, PF_INET, &fd);

	if (r)
		return r;
	srx.transport.sin.sin_family = AF_INET;
	srx.transport.sin.sin_port = htons(c->port);
	inet_pton(AF_INET, TARGET4, &srx.transport.sin.sin_addr);
	return sendmsg_tag(c, fd, (struct sockaddr_storage *)&srx, sizeof(srx), SOL_RXRPC,
			   RXRPC_USER_CALL_ID, &call_id, sizeof(call_id));
}

/* --- io_uring: sockets made and used without socket(), connect(), sendmsg() --- */

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_setup(struct ring *r)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		return -1;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_SQ_RING);
	cq = p.features & IORING_FEAT_SINGLE_MMAP ? sq :
	     mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submit one request and wait for it, at most CONNECT_MS: its result, or -errno. */
static int ring_do(struct ring *r, const struct io_uring_sqe *sqe)
{
	struct __kernel_timespec ts = { .tv_nsec = CONNECT_MS * 1000000L };
	struct io_uring_getevents_arg arg = { .ts = (__u64)(unsigned long)&ts };
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	int res;

	r->sqes[idx] = *sqe;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
		    &arg, sizeof(arg)) < 0 && errno != ETIME)
		return -errno;
	head = __atomic_load_n(r->cq_head, __ATOMIC_ACQUIRE);
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -ETIME;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static int ring_socket(struct ctx *c, struct ring *r, int type)
{
	struct io_uring_sqe sqe = { .opcode = IORING_OP_SOCKET, .fd = AF_INET, .off = (__u64)type };
	int fd;

	/* Negative like the fd's failures below: the caller tells them from an fd. */
	if (ring_setup(r) < 0)
		return -fail(c, "io_uring_setup");
	fd = ring_do(r, &sqe);
	if (fd < 0) {
		errno = -fd;
		return -fail(c, "IORING_OP_SOCKET");
	}
	return fd;
}

static int io_uring_udp(struct ctx *c)
{
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = c->payload, .iov_len = c->payload_len };
	struct msghdr msg = { .msg_name = &ss, .msg_iov = &iov, .msg_iovlen = 1 };
	struct io_uring_sqe sqe = {
		.opcode = IORING_OP_SENDMSG, .addr = (__u64)(unsigned long)&msg,
	};
	struct ring r;
	int fd = ring_socket(c, &r, SOCK_DGRAM), res;

	if (fd < 0)
		return -fd;
	msg.msg_namelen = sa4(&ss, TARGET4, c->port);
	sqe.fd = fd;
	res = ring_do(&r, &sqe);
	if (res < 0) {
		errno = -res;
		return fail(c, "IORING_OP_SENDMSG");
	}
	return SENT;
}

static int io_uring_tcp(struct ctx *c)
{
	struct sockaddr_storage ss;
	struct io_uring_sqe sqe = {
		.opcode = IORING_OP_CONNECT, .addr = (__u64)(unsigned long)&ss,
	};
	struct ring r;
	int fd = ring_socket(c, &r, SOCK_STREAM), res;

	if (fd < 0)
		return -fd;
	sqe.off = sa4(&ss, TARGET4, c->port);
	sqe.fd = fd;
	res = ring_do(&r, &sqe);
	/* A refusal or a time out means the SYN left: the listener says. */
	if (res < 0 && res != -ECONNREFUSED && res != -ETIME) {
		errno = -res;
		return fail(c, "IORING_OP_CONNECT");
	}
	snprintf(c->detail, sizeof(c->detail), "%s", res ? errname(-res) : "connected");
	return SENT;
}

/* --- namespaces, other processes' sockets, privileged helpers ----------------- */

/* In a new user namespace we hold every capability, but over its own network
 * namespace only: a socket made before it still needs the old one's. */
static int userns_old_socket(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return fail(c, "socket");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		return fail(c, "unshare");
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "", 1) < 0)
		return fail(c, "SO_BINDTODEVICE");
	return send_tag(c, fd, &ss, len, 0);
}

static int userns_new_socket(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);
	int fd;

	if (unshare(CLONE_NEWUSER) < 0)
		return fail(c, "unshare");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return fail(c, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "", 1) < 0)
		return fail(c, "SO_BINDTODEVICE");
	return send_tag(c, fd, &ss, len, 0);
}

static int pidfd_getfd(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);
	int pidfd, fd;

	if (!c->cfg->donor_pid)
		return skip(c, "no donor");
	pidfd = (int)syscall(SYS_pidfd_open, c->cfg->donor_pid, 0);
	if (pidfd < 0)
		return fail(c, "pidfd_open");
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, c->cfg->donor_fd, 0);
	if (fd < 0)
		return fail(c, "pidfd_getfd");
	return send_tag(c, fd, &ss, len, 0);
}

#if defined(__x86_64__)
/*
 * Make the donor, stopped in its sleep, run sendto() on its own unbound
 * socket: the tag and the address written below its stack pointer, the
 * registers set up for the syscall, the `syscall` instruction it is stopped
 * after run once more, and everything put back.
 */
static int inject_sendto(struct ctx *c, pid_t pid)
{
	struct user_regs_struct saved, regs;
	struct sockaddr_storage ss;
	unsigned long buf[16], at;
	int st;

	if (waitpid(pid, &st, __WALL) < 0)
		return fail(c, "waitpid");
	if (ptrace(PTRACE_GETREGS, pid, NULL, &saved) < 0)
		return fail(c, "PTRACE_GETREGS");
	errno = 0;
	if ((ptrace(PTRACE_PEEKTEXT, pid, (void *)(saved.rip - 2), NULL) & 0xffff) != 0x050f ||
	    errno)
		return skip(c, "donor not in a syscall");
	memset(buf, 0, sizeof(buf));
	sa4(&ss, TARGET4, c->port);
	memcpy(buf, &ss, sizeof(struct sockaddr_in));
	memcpy((char *)buf + 16, c->payload, c->payload_len);
	at = (saved.rsp - 1024) & ~15UL;   /* well below the red zone */
	for (size_t i = 0; i < sizeof(buf) / sizeof(buf[0]); i++)
		if (ptrace(PTRACE_POKEDATA, pid, (void *)(at + i * 8), (void *)buf[i]) < 0)
			return fail(c, "PTRACE_POKEDATA");
	regs = saved;
	regs.orig_rax = (unsigned long)-1;   /* not in a syscall: no restart fix-up */
	regs.rax = SYS_sendto;
	regs.rdi = (unsigned long)c->cfg->donor_fd;
	regs.rsi = at + 16;
	regs.rdx = c->payload_len;
	regs.r10 = 0;
	regs.r8 = at;
	regs.r9 = sizeof(struct sockaddr_in);
	regs.rip = saved.rip - 2;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) < 0 ||
	    ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) < 0 || waitpid(pid, &st, __WALL) < 0 ||
	    ptrace(PTRACE_GETREGS, pid, NULL, &regs) < 0)
		return fail(c, "ptrace");
	ptrace(PTRACE_SETREGS, pid, NULL, &saved);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	if ((long)regs.rax < 0) {
		errno = (int)-(long)regs.rax;
		return fail(c, "injected sendto");
	}
	return SENT;
}
#endif

static int ptrace_inject(struct ctx *c)
{
#if defined(__x86_64__)
	pid_t pid = c->cfg->donor_pid;

	if (!pid)
		return skip(c, "no donor");
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		return fail(c, "PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0)
		return fail(c, "PTRACE_INTERRUPT");
	return inject_sendto(c, pid);
#else
	return skip(c, "x86_64 only");
#endif
}

/* Run a helper program (its output to /dev/null): "sent (exit 0)", or its
 * status as "exit-N" (all a helper says: nc's refusal and a block alike). */
static int run_helper(struct ctx *c, const char *path, char *const argv[])
{
	int st;
	pid_t pid;

	if (!path || access(path, X_OK) < 0)
		return skip(c, "no such helper");
	pid = fork();
	if (pid < 0)
		return fail(c, "fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execv(path, argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return fail(c, "waitpid");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		snprintf(c->detail, sizeof(c->detail), "exit 0");
		return SENT;
	}
	return EXITED(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* A ping through the uplink (ping -I): it needs CAP_NET_RAW to rebind. */
static int run_ping(struct ctx *c, const char *path, uint16_t size)
{
	char sz[8];
	char *argv[] = { "ping", "-c1", "-W1", "-w2", "-s", sz, "-I", (char *)c->cfg->uplink,
			 TARGET4, NULL };

	snprintf(sz, sizeof(sz), "%u", size);
	return run_helper(c, path, argv);
}

static uint16_t tag_size(const char *name);

static int helper_ping(struct ctx *c)
{
	return run_ping(c, c->cfg->ping, tag_size(c->name));
}

static int helper_busybox_ping(struct ctx *c)
{
	return run_ping(c, "/bin/busybox", tag_size(c->name));
}

static int helper_caps_ping(struct ctx *c)
{
	return run_ping(c, c->cfg->capsping, tag_size(c->name));
}

/* A static program, which no preloaded library reaches: busybox's nc (TCP,
 * the tag is the port). */
static int static_child(struct ctx *c)
{
	char port[8];
	char *argv[] = { "nc", "-w1", TARGET4, port, NULL };

	snprintf(port, sizeof(port), "%u", c->port);
	return run_helper(c, "/bin/busybox", argv);
}

/* --- the cgroup: leave it, or take its programs away ---------------------------- */

/* This process's cgroup directory; the length of the cgroup2 mount point. */
static int own_cgroup(char *path, size_t size)
{
	char line[4096], mnt[2048] = "", cg[2048] = "";
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && fgets(line, sizeof(line), f)) {
		char root[2048];

		if (strstr(line, " - cgroup2 ") &&
		    sscanf(line, "%*s %*s %*s %2047s %2047s", root, mnt) == 2 &&
		    strcmp(root, "/") == 0)
			break;
		mnt[0] = '\0';
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0)
			sscanf(line + 3, "%2047s", cg);
	if (f)
		fclose(f);
	if (!mnt[0] || !cg[0])
		return -1;
	snprintf(path, size, "%s%s", mnt, strcmp(cg, "/") == 0 ? "" : cg);
	return (int)strlen(mnt);
}

/* A cgroup of our own below ours, which a delegated subtree (systemd's
 * Delegate=) lets us make, and into it; then send. The programs attached
 * above are inherited: the child must be bound as well as its parent. */
static int cgroup_child(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);
	char path[4200], procs[4300];
	size_t n;
	int fd, err;

	if (own_cgroup(path, sizeof(path)) < 0)
		return skip(c, "no cgroup2");
	n = strlen(path);
	snprintf(path + n, sizeof(path) - n, "/escape-%ld", (long)getpid());
	if (mkdir(path, 0755) < 0)
		return fail(c, "mkdir");
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, "0\n", 2) == 2) {
		close(fd);
		return udp_tag(c, AF_INET, &ss, len);
	}
	err = errno;
	if (fd >= 0)
		close(fd);
	rmdir(path);
	errno = err;
	return fail(c, "cgroup.procs");
}

/* Write ourselves into each cgroup above ours up to the root, nearest first;
 * then send. The verdict is the nearest one's. */
static int cgroup_move(struct ctx *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, TARGET4, c->port);
	char path[4200], procs[4300];
	int root = own_cgroup(path, sizeof(path)), err = 0;

	if (root < 0)
		return skip(c, "no cgroup2");
	if ((int)strlen(path) == root)
		return skip(c, "in the root cgroup");
	while ((int)strlen(path) > root) {
		int fd;

		*strrchr(path, '/') = '\0';
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && write(fd, "0\n", 2) == 2)
			return udp_tag(c, AF_INET, &ss, len);
		if (!err)
			err = errno;
		if (fd >= 0)
			close(fd);
	}
	errno = err;
	return fail(c, "cgroup.procs");
}

static int bpf_detach(struct ctx *c, enum bpf_attach_type type)
{
	char path[4200];
	union bpf_attr attr;
	int cg;

	if (own_cgroup(path, sizeof(path)) < 0)
		return skip(c, "no cgroup2");
	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return fail(c, "open cgroup");
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (__u32)cg;
	attr.attach_type = type;
	if (syscall(__NR_bpf, BPF_PROG_DETACH, &attr, sizeof(attr)) < 0)
		return fail(c, "BPF_PROG_DETACH");
	return 0;
}

/* Without the egress check, an interface override is all it takes. */
static int bpf_detach_egress(struct ctx *c)
{
	int r = bpf_detach(c, BPF_CGROUP_INET_EGRESS);

	return r ? r : pktinfo4_udp(c);
}

/* Without the binding program, every new socket of the VRF is unbound. */
static int bpf_detach_sockcreate(struct ctx *c)
{
	int r = bpf_detach(c, BPF_CGROUP_INET_SOCK_CREATE);

	return r ? r : udp4_plain(c);
}

/* --- the table --------------------------------------------------------------- */

static const struct attempt attempts[] = {
	{ "mcast4-mdns", mcast4_mdns, 0, 0, false },
	{ "mcast4-group", mcast4_group, 0, 0, false },
	{ "mcast4-if-index", mcast4_if_index, 0, 0, false },
	{ "mcast4-if-addr", mcast4_if_addr, 0, 0, false },
	{ "pktinfo4-udp", pktinfo4_udp, 0, 0, false },
	{ "pktinfo4-src", pktinfo4_src, 0, 0, false },
	{ "pktinfo4-ping", pktinfo4_ping, 0, 0, false },
	{ "ping4-plain", ping4_plain, 0, 0, false },
	{ "pktinfo6-mapped", pktinfo6_mapped, 0, 0, false },
	{ "pktinfo6", pktinfo6, 0, 0, false },
	{ "scope6-ll", scope6_ll, 0, 0, false },
	{ "scope6-all-nodes", scope6_all_nodes, 0, 0, false },
	{ "scope6-mdns", scope6_mdns, 0, 0, false },
	{ "scope6-ping", scope6_ping, 0, 0, false },
	{ "connect6-scoped", connect6_scoped, 0, 0, false },
	{ "tcp6-scoped", tcp6_scoped, 0, 0, false },
	{ "bind6-scoped", bind6_scoped, 0, 0, false },
	{ "bind6-scoped-tcp", bind6_scoped_tcp, 0, 0, false },
	{ "bind6-failed", bind6_failed, 0, 0, false },
	{ "unicast-if4", unicast_if4, 0, 0, false },
	{ "unicast-if6", unicast_if6, 0, 0, false },
	{ "mcast6-if", mcast6_if, 0, 0, false },
	{ "mcast6-plain", mcast6_plain, 0, 0, false },
	{ "bindtodevice-uplink", bindtodevice_uplink, 0, 0, false },
	{ "bindtodevice-none", bindtodevice_none, 0, 0, false },
	{ "bindtoifindex", bindtoifindex, 0, 0, false },
	{ "dontroute-so", dontroute_so, 0, 0, false },
	{ "dontroute-msg", dontroute_msg, 0, 0, false },
	{ "onlink4", onlink4, 0, 0, false },
	{ "bcast4", bcast4, 0, 0, false },
	{ "udp4-plain", udp4_plain, 0, 0, false },
	{ "tcp4-plain", tcp4_plain, 0, 0, false },
	{ "udp6-plain", udp6_plain, 0, 0, false },
	{ "tcp6-plain", tcp6_plain, 0, 0, false },
	{ "raw4", raw4, 0, 0, false },
	{ "raw-syscall", raw_syscall, 0, 0, false },
	{ "dns-glibc", dns_glibc, 0, 0, false },
	{ "static-child", static_child, 0, 0, false },
	{ "mptcp4", mptcp4, 0, 0, false },
	{ "mptcp6", mptcp6, 0, 0, false },
	{ "smc", smc, 0, 0, false },
	{ "sctp", sctp, 0, 0, false },
	/* By payload only: the kernel's connection to port 16385 is shared by
	 * every run and comes back by itself. */
	{ "rds", rds, 0, 0, false },
	{ "tipc", tipc, 0, 0, false },
	{ "rxrpc", rxrpc, 0, 0, false },
	{ "io-uring-udp", io_uring_udp, 0, 0, false },
	{ "io-uring-tcp", io_uring_tcp, 0, 0, false },
	{ "userns-old-socket", userns_old_socket, 0, 0, false },
	{ "userns-new-socket", userns_new_socket, 0, 0, false },
	{ "pidfd-getfd", pidfd_getfd, 0, 0, false },
	{ "ptrace-inject", ptrace_inject, 0, 0, false },
	{ "helper-ping", helper_ping, 0, 119, false },
	{ "helper-busybox-ping", helper_busybox_ping, 0, 118, false },
	{ "helper-caps-ping", helper_caps_ping, 0, 117, false },
	{ "cgroup-child", cgroup_child, 0, 0, false },
	{ "cgroup-move", cgroup_move, 0, 0, false },
	/* They change the VRF's cgroup for every process in it: last, when named. */
	{ "bpf-detach-egress", bpf_detach_egress, 0, 0, true },
	{ "bpf-detach-sockcreate", bpf_detach_sockcreate, 0, 0, true },
	/* A plain send from a later launch into the same VRF. */
	{ "after-detach", udp4_plain, 0, 0, true },
	/* Legitimate: LAN multicast through the member. */
	{ "lan-mcast", lan_mcast, 0, 0, true },
};
#define N_ATTEMPTS (sizeof(attempts) / sizeof(attempts[0]))

static uint16_t tag_port(size_t i)
{
	return attempts[i].port ? attempts[i].port : (uint16_t)(PORT_BASE + i);
}

static const struct attempt *find(const char *name)
{
	for (size_t i = 0; i < N_ATTEMPTS; i++)
		if (strcmp(attempts[i].name, name) == 0)
			return &attempts[i];
	return NULL;
}

static uint16_t tag_size(const char *name)
{
	const struct attempt *a = find(name);

	return a ? a->icmp_size : 0;
}

/* --- run ------------------------------------------------------------------------ */

struct result {
	int r;
	char step[32];
	char detail[48];
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void run_one(size_t i, const struct config *cfg)
{
	long start = now_ms();
	struct result res;
	char took[24] = "";
	int p[2], st;
	ssize_t n;
	pid_t pid;

	memset(&res, 0, sizeof(res));
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		printf("%s: skipped (%s)\n", attempts[i].name, errname(errno));
		return;
	}
	if (pid == 0) {
		struct ctx c = { .cfg = cfg, .name = attempts[i].name, .port = tag_port(i) };

		close(p[0]);
		alarm(ATTEMPT_SECONDS);
		snprintf(c.payload, sizeof(c.payload), "ESCAPE %s%s%.12s", c.name,
			 cfg->run ? " " : "", cfg->run ? cfg->run : "");
		c.payload_len = strlen(c.payload);
		res.r = attempts[i].fn(&c);
		snprintf(res.step, sizeof(res.step), "%s", c.step ? c.step : "");
		snprintf(res.detail, sizeof(res.detail), "%s", c.detail);
		_exit(write(p[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(p[1]);
	n = read(p[0], &res, sizeof(res));
	close(p[0]);
	waitpid(pid, &st, 0);
	/* Where the time goes, on a slow machine: the attempts that wait. */
	if (now_ms() - start >= 500)
		snprintf(took, sizeof(took), " [%.1fs]", (double)(now_ms() - start) / 1000);
	if (n != (ssize_t)sizeof(res))
		printf("%s: skipped (%s)%s\n", attempts[i].name,
		       WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM ? "timed out" :
		       WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "no result", took);
	else if (res.r == SENT)
		printf("%s: sent%s%s%s%s\n", attempts[i].name, res.detail[0] ? " (" : "",
		       res.detail, res.detail[0] ? ")" : "", took);
	else if (res.r == SKIPPED)
		printf("%s: skipped (%s)%s\n", attempts[i].name, res.detail, took);
	else if (res.r <= EXITED(0))
		printf("%s: blocked (exit-%d)%s\n", attempts[i].name, EXITED(0) - res.r, took);
	else
		printf("%s: blocked (%s) %s%s\n", attempts[i].name, errname(res.r), res.step, took);
}

static int set_key(struct config *cfg, const char *arg)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "uplink=", offsetof(struct config, uplink) },
		{ "lan=", offsetof(struct config, lan) },
		{ "up4=", offsetof(struct config, up4) },
		{ "peer4=", offsetof(struct config, peer4) },
		{ "own6=", offsetof(struct config, own6) },
		{ "peer6=", offsetof(struct config, peer6) },
		{ "ping=", offsetof(struct config, ping) },
		{ "capsping=", offsetof(struct config, capsping) },
		{ "run=", offsetof(struct config, run) },
	};

	if (strncmp(arg, "donor=", 6) == 0)
		return sscanf(arg + 6, "%d:%d", &cfg->donor_pid, &cfg->donor_fd) == 2 ? 0 : -1;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (strncmp(arg, keys[k].key, strlen(keys[k].key)) == 0) {
			*(const char **)((char *)cfg + keys[k].off) = arg + strlen(keys[k].key);
			return 0;
		}
	return -1;
}

static int run(int argc, char **argv)
{
	struct config cfg = {
		.uplink = "uplink", .lan = "eth0", .up4 = "10.99.0.2", .peer4 = "10.99.0.1",
		.own6 = "fe80::2", .peer6 = "fe80::1", .ping = "/bin/ping",
	};
	bool named = false;

	for (int a = 0; a < argc; a++) {
		if (strchr(argv[a], '=') && set_key(&cfg, argv[a]) < 0) {
			fprintf(stderr, "escape: %s: unknown key\n", argv[a]);
			return 2;
		}
		if (!strchr(argv[a], '=') && !find(argv[a])) {
			fprintf(stderr, "escape: %s: no such attempt\n", argv[a]);
			return 2;
		}
		named |= !strchr(argv[a], '=');
	}
	for (size_t i = 0; i < N_ATTEMPTS; i++) {
		bool wanted = !named && !attempts[i].named_only;

		for (int a = 0; named && a < argc; a++)
			wanted |= strcmp(argv[a], attempts[i].name) == 0;
		if (wanted)
			run_one(i, &cfg);
	}
	return 0;
}

/* --- sniff ------------------------------------------------------------------------ */

static bool is_name_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
}

/* The attempt a frame belongs to, or NULL: the ESCAPE tag anywhere in it
 * (encapsulated too), else a tagged port on a TCP SYN or an SCTP packet,
 * else a tagged size on an ICMP echo. */
/* The word at p (up to end), into out; past it. */
static const unsigned char *word(const unsigned char *p, const unsigned char *end, char *out,
				 size_t size)
{
	size_t n = 0;

	while (p < end && n + 1 < size && is_name_char(*p))
		out[n++] = (char)*p++;
	out[n] = '\0';
	return p;
}

static const char *tag_of(const unsigned char *f, size_t len, char *name, size_t size, char *run,
			  size_t run_size)
{
	const unsigned char *p = memmem(f, len, "ESCAPE ", 7), *l4;
	unsigned proto, l4len;
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);

	snprintf(run, run_size, "-");
	if (p) {
		p = word(p + 7, f + len, name, size);
		if (p + 1 < f + len && *p == ' ')
			word(p + 1, f + len, run, run_size);
		if (!run[0])
			snprintf(run, run_size, "-");
		return name[0] ? name : NULL;
	}
	if (type == ETHERTYPE_IP && len >= 14 + 20) {
		unsigned ihl = (f[14] & 15u) * 4;

		proto = f[14 + 9];
		l4 = f + 14 + ihl;
		l4len = len > 14 + ihl ? (unsigned)(len - 14 - ihl) : 0;
	} else if (type == ETHERTYPE_IPV6 && len >= 14 + 40) {
		proto = f[14 + 6];
		l4 = f + 14 + 40;
		l4len = (unsigned)(len - 14 - 40);
	} else {
		return NULL;
	}
	if (l4len < 8)
		return NULL;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		if (l4[0] != ICMP_ECHO && l4[0] != ICMP6_ECHO_REQUEST)
			return NULL;
		for (size_t i = 0; i < N_ATTEMPTS; i++)
			if (attempts[i].icmp_size && attempts[i].icmp_size == l4len - 8)
				return attempts[i].name;
		return NULL;
	}
	/* UDP carries its tag in the clear: a datagram without one to a tagged
	 * port is no attempt's (an RxRPC abort sent when a socket closes). */
	if (proto != IPPROTO_TCP && proto != IPPROTO_SCTP)
		return NULL;
	for (size_t i = 0; i < N_ATTEMPTS; i++) {
		if (tag_port(i) != (uint16_t)(l4[2] << 8 | l4[3]))
			continue;
		/* A TCP packet counts when it opens a connection (SYN, no ACK);
		 * the rest of that connection is no news: "". */
		if (proto == IPPROTO_TCP && (l4len < 14 || (l4[13] & 0x12) != 0x02))
			return "";
		return attempts[i].name;
	}
	return NULL;
}

/* "udp 10.99.0.2>224.0.0.251:5353": what a frame is, in a few words. */
static void describe(const unsigned char *f, size_t len, char *out, size_t size)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	const unsigned char *l4;
	unsigned proto;

	if (type == ETHERTYPE_IP && len >= 14 + 20) {
		inet_ntop(AF_INET, f + 14 + 12, src, sizeof(src));
		inet_ntop(AF_INET, f + 14 + 16, dst, sizeof(dst));
		proto = f[14 + 9];
		l4 = f + 14 + (f[14] & 15u) * 4;
	} else if (type == ETHERTYPE_IPV6 && len >= 14 + 40) {
		inet_ntop(AF_INET6, f + 14 + 8, src, sizeof(src));
		inet_ntop(AF_INET6, f + 14 + 24, dst, sizeof(dst));
		proto = f[14 + 6];
		l4 = f + 14 + 40;
	} else {
		snprintf(out, size, "ethertype 0x%04x", type);
		return;
	}
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) &&
	    l4 + 4 <= f + len)
		snprintf(out, size, "%s %s>%s:%u",
			 proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "sctp", src,
			 dst, (unsigned)(l4[2] << 8 | l4[3]));
	else if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && l4 < f + len)
		snprintf(out, size, "icmp%s type %u %s>%s", proto == IPPROTO_ICMP ? "" : "v6",
			 l4[0], src, dst);
	else
		snprintf(out, size, "proto %u %s>%s", proto, src, dst);
}

/*
 * The kernel's own chatter on a link, not anybody's attempt: ARP, IGMP,
 * IPv6 neighbour and router discovery, MLD (behind a hop-by-hop header),
 * TIPC's neighbour discovery.
 */
static bool noise(const unsigned char *f, size_t len)
{
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);

	if (type == ETHERTYPE_IP && len >= 14 + 20) {
		const unsigned char *l4 = f + 14 + (f[14] & 15u) * 4;
		bool tipc = f[14 + 9] == IPPROTO_UDP && l4 + 4 <= f + len &&
			    (l4[2] << 8 | l4[3]) == 6118;

		return f[14 + 9] == IPPROTO_IGMP || tipc;
	}
	if (type == ETHERTYPE_IPV6 && len >= 14 + 40 + 1) {
		unsigned next = f[14 + 6], icmp = f[14 + 40];

		if (next == IPPROTO_HOPOPTS)
			return true;   /* MLD reports */
		return next == IPPROTO_ICMPV6 && icmp >= 130 && icmp <= 143;
	}
	return true;
}

/*
 * Print "arrived NAME RUN WHAT" for the first frame of each attempt (and run:
 * "-" when the tag is a port or a size) that IFNAME
 * receives (not those it sends: replies quote what they answer), and a few
 * "other WHAT" lines for untagged frames that are not noise; stop at the tag
 * "end" (escape mark) or after SECONDS.
 */
static int sniff(const char *ifname, int seconds)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	char seen[N_ATTEMPTS][16] = { "" };
	time_t deadline = time(NULL) + seconds;
	unsigned char frame[2048];
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), others = 0;

	ll.sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || !ll.sll_ifindex || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
		perror("escape: sniff");
		return 2;
	}
	printf("sniffing %s\n", ifname);
	while (time(NULL) < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		char name[40], run[16], what[128];
		const char *tag;
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recvfrom(fd, frame, sizeof(frame), 0, (struct sockaddr *)&from, &fl);
		if (n < 14 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		tag = tag_of(frame, (size_t)n, name, sizeof(name), run, sizeof(run));
		if (tag && strcmp(tag, "end") == 0)
			return 0;
		if (tag && !*tag)
			continue;
		describe(frame, (size_t)n, what, sizeof(what));
		if (!tag) {
			if (!noise(frame, (size_t)n) && others++ < 8)
				printf("other %s\n", what);
			continue;
		}
		for (size_t i = 0; i < N_ATTEMPTS; i++)
			if (strcmp(attempts[i].name, tag) == 0 && strcmp(seen[i], run)) {
				snprintf(seen[i], sizeof(seen[i]), "%s", run);
				printf("arrived %s %s %s\n", tag, run, what);
			}
	}
	printf("sniff: no end mark within %d s\n", seconds);
	return 1;
}

/* --- donor, mark ------------------------------------------------------------------- */

/* An unbound socket, outside the VRF, for the attempts that take it. */
static int donor(int seconds)
{
	time_t deadline = time(NULL) + seconds;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("escape: donor");
		return 2;
	}
	printf("donor %ld %d\n", (long)getpid(), fd);
	while (time(NULL) < deadline)
		sleep(1);
	return 0;
}

/*
 * The TIPC service for the tipc attempt, on a node outside the VRF; it says
 * "arrived NAME tipc" for each tagged message, as the sniffer does for frames:
 * between nodes in namespaces of one kernel, TIPC hands messages over inside
 * the kernel and no frame crosses the link.
 */
static int tipc_serve(int seconds)
{
	time_t deadline = time(NULL) + seconds;
	int fd = socket(AF_TIPC, SOCK_RDM, 0);
	char buf[128];

	if (fd < 0 || bind(fd, (const struct sockaddr *)&tipc_service, sizeof(tipc_service)) < 0) {
		perror("escape: tipc-serve");
		return 2;
	}
	printf("serving\n");
	while (time(NULL) < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n > 7 && memcmp(buf, "ESCAPE ", 7) == 0) {
			buf[n] = '\0';
			/* "NAME RUN", as the sniffer prints it */
			printf("arrived %s%s tipc (in the kernel)\n", buf + 7,
			       strchr(buf + 7, ' ') ? "" : " -");
		}
	}
	return 0;
}

static int mark(const char *host)
{
	struct sockaddr_storage ss;
	socklen_t len = sa4(&ss, host, 9);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || sendto(fd, "ESCAPE end", 10, 0, (struct sockaddr *)&ss, len) < 0) {
		perror("escape: mark");
		return 2;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: escape run [KEY=VALUE...] [NAME...] | list | sniff IFNAME SECONDS"
		" | donor SECONDS | tipc-serve SECONDS | mark HOST\n");
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run(argc - 2, argv + 2);
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < N_ATTEMPTS; i++)
			printf("%s%s\n", attempts[i].name,
			       attempts[i].named_only ? " named-only" : "");
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "sniff") == 0)
		return sniff(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "donor") == 0)
		return donor(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "tipc-serve") == 0)
		return tipc_serve(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "mark") == 0)
		return mark(argv[2]);
	return usage();
}
