/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "confine.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* The ABI this program was built for: every other one is refused. */
#if defined(__x86_64__) && defined(__ILP32__)
#error "x32 builds are not supported"
#elif defined(__x86_64__)
#define VRF_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define VRF_AUDIT_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define VRF_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__arm__)
#define VRF_AUDIT_ARCH AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define VRF_AUDIT_ARCH AUDIT_ARCH_RISCV64
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define VRF_AUDIT_ARCH AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define VRF_AUDIT_ARCH AUDIT_ARCH_S390X
#else
#error "no seccomp architecture known for this target: add it here"
#endif

/* The low 32 bits of argument n (int arguments: all the kernel looks at). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#else
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n) + 4)
#endif

#define LOAD(off)         BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, jt, jf)    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf))
#define RET(v)            BPF_STMT(BPF_RET | BPF_K, (v))
#define RET_ERRNO(e)      RET(SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
/* if nr == n return -e, else go on */
#define DENY(n, e)        JEQ((n), 0, 1), RET_ERRNO(e)

int vrf_confine_no_new_privs(const struct vrf_log *log)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		int r = -errno;

		vrf_err(log, "cannot set no_new_privs: %s", strerror(-r));
		return r;
	}
	return 0;
}

int vrf_confine_landlock(const struct vrf_log *log)
{
	/* The one access handled: making block devices, which needs
	 * CAP_MKNOD anyway. The domain is what counts: the kernel refuses a
	 * process in it ptrace access (and so pidfd_getfd) to any process
	 * outside it. */
	struct landlock_ruleset_attr attr = { .handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_BLOCK };
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	int fd, r = 0;

	if (abi < 0) {
		r = errno == ENOSYS || errno == EOPNOTSUPP ? -EOPNOTSUPP : -errno;
		vrf_err(log, "this kernel has no Landlock%s: cannot keep the program from taking "
			"sockets of processes outside the VRF",
			r == -EOPNOTSUPP ? " (not built, or not in its lsm= list)" : "");
		return r;
	}
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0 || syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		r = -errno;
		vrf_err(log, "cannot enter a Landlock domain: %s", strerror(-r));
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int vrf_confine_seccomp(const struct vrf_log *log)
{
	struct sock_filter filter[] = {
		LOAD(offsetof(struct seccomp_data, arch)),
		JEQ(VRF_AUDIT_ARCH, 1, 0),
		RET_ERRNO(ENOSYS),
		LOAD(offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
		/* x32 calls share the architecture, with this bit in nr. */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		RET_ERRNO(ENOSYS),
#endif
#ifdef __NR_socketcall
		/* Its arguments are behind a pointer seccomp cannot follow;
		 * the C library uses socket() where the kernel has it. */
		DENY(__NR_socketcall, ENOSYS),
#endif
		DENY(__NR_bpf, EPERM),
		DENY(__NR_io_uring_setup, EPERM),
		DENY(__NR_pidfd_getfd, EPERM),
		JEQ(__NR_socket, 1, 0),
		RET(SECCOMP_RET_ALLOW),
		/* socket(domain, type, protocol) */
		LOAD(ARG_LO(0)),
		JEQ(AF_UNIX, 7, 0),
		JEQ(AF_NETLINK, 6, 0),
		JEQ(AF_INET, 2, 0),
		JEQ(AF_INET6, 1, 0),
		RET_ERRNO(EAFNOSUPPORT),
		LOAD(ARG_LO(2)),
		JEQ(IPPROTO_MPTCP, 0, 1),
		RET_ERRNO(EPROTONOSUPPORT),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
		.filter = filter,
	};

	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		int r = -errno;

		vrf_err(log, "cannot install the seccomp filter: %s", strerror(-r));
		return r;
	}
	return 0;
}
