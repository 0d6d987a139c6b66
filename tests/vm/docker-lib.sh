# Helpers for the docker-*.vm tests: Debian's real Docker daemon (docker.io
# 20.10, containerd, runc, tini, iptables-nft) in the VM, fetched on the host
# by `tests/vm/integ-fetch docker` (make check runs it) and copied into the
# VM's overlay root here. Source after tests/lib.sh, call docker_start after
# vm_enter. No registry is reachable, none is needed: the one image,
# vrfctl-busybox, is imported from a tree of the host's static busybox and
# the tests' static probe.
# shellcheck shell=bash

. "$top_srcdir/tests/vm/integ-lib.sh"

DOCKER_RUN=/run/vrfctl-docker
DOCKER_IMAGE=vrfctl-busybox
# The daemon's own switches; a test may add some (--userland-proxy=false...)
# before docker_start.
DOCKERD_ARGS=${DOCKERD_ARGS:-}
DOCKERD_PID=
CONTAINERD_PID=

# docker_install: the unpacked packages over /, iptables meaning iptables-nft
# (Debian's default alternative), the kernel modules dockerd needs.
docker_install() {
	local d p
	d=$INTEG_CACHE/docker
	[ -f "$d/docker.io/.unpacked" ] ||
		skip "Docker not fetched: run tests/vm/integ-fetch docker on the host (make check does)"
	for p in "$d"/*/; do
		integ_unpack "$(basename "$p")" docker
	done
	for p in iptables ip6tables; do
		for s in "" -save -restore; do
			ln -sf "$p-nft$s" "/usr/sbin/$p$s"
		done
	done
	ldconfig
	# What dockerd would otherwise load one by one through the kernel's
	# module autoloading, which some of its paths do not trigger.
	for m in bridge br_netfilter veth nf_nat nft_chain_nat nft_compat xt_conntrack \
		xt_MASQUERADE xt_addrtype xt_tcpudp; do
		modprobe "$m" || fail "cannot load $m"
	done
}

# dockerd_up: the daemon answers on its socket.
dockerd_up() { docker info >/dev/null 2>&1; }

# dockerd_start: start dockerd (containerd must run) and wait until it
# answers: ~26-60 s under TCG, bounded by 300 s for a busy machine.
# Its stop waits for the containers for up to 120 s, not 15: under TCG their
# stop (SIGTERM, 10 s, SIGKILL) outlasts 15 s, and a dockerd that gives up
# leaves their tasks running in containerd, which the next dockerd then
# cannot start again ("task ... already exists").
dockerd_start() {
	# shellcheck disable=SC2086 # DOCKERD_ARGS is a list of switches
	dockerd --storage-driver=vfs --data-root="$DOCKER_RUN/data" \
		--exec-root="$DOCKER_RUN/exec" --pidfile="$DOCKER_RUN/dockerd.pid" \
		--containerd="$DOCKER_RUN/containerd.sock" --shutdown-timeout=120 $DOCKERD_ARGS \
		>>"$DOCKER_RUN/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	WAIT_SECONDS=300 wait_until dockerd_up || {
		tail -n 30 "$DOCKER_RUN/dockerd.log" >&2
		fail "dockerd did not answer in 300 s"
	}
}

# dockerd_stop: stop dockerd as its service would (SIGTERM) and wait for it
# to exit; it stops the containers on the way (no live-restore).
dockerd_stop() {
	[ -n "$DOCKERD_PID" ] || return 0
	kill -TERM "$DOCKERD_PID" 2>/dev/null || true
	WAIT_SECONDS=180 wait_until eval '! kill -0 "$DOCKERD_PID" 2>/dev/null' ||
		fail "dockerd did not exit in 180 s"
	wait "$DOCKERD_PID" 2>/dev/null || true
	DOCKERD_PID=
	WAIT_SECONDS=60 wait_until eval '! containerd_running_tasks | grep -q .' || {
		containerd_running_tasks >&2
		fail "containers still run in containerd after dockerd stopped"
	}
}

# containerd_running_tasks: Docker's tasks that containerd still runs.
containerd_running_tasks() {
	ctr --address "$DOCKER_RUN/containerd.sock" -n moby tasks ls 2>/dev/null |
		awk 'NR > 1 && $3 == "RUNNING"'
}

# docker_wait_running NAME...: wait until dockerd has (re)started each
# container, as after its own restart with --restart always. That is
# dockerd's work, under TCG as slow as its start: bounded by the same 300 s;
# on a timeout what Docker says of them goes to the log.
docker_wait_running() {
	local c t0=$SECONDS
	for c in "$@"; do
		WAIT_SECONDS=300 wait_until eval \
			'[ "$(docker inspect -f "{{.State.Running}}" '"$c"' 2>/dev/null)" = true ]' || {
			docker ps -a >&2 || true
			docker inspect -f '{{.Name}}: {{json .State}}' "$c" >&2 || true
			tail -n 30 "$DOCKER_RUN/dockerd.log" >&2
			fail "dockerd did not bring $c back in 300 s"
		}
	done
	echo "  $* running again after $((SECONDS - t0)) s"
}

# containerd_start: install, start containerd, not dockerd (a test of what
# runs before dockerd, as at boot, then calls dockerd_start and docker_image).
containerd_start() {
	docker_install
	mkdir -p "$DOCKER_RUN"
	containerd --root "$DOCKER_RUN/containerd" --state "$DOCKER_RUN/containerd-state" \
		--address "$DOCKER_RUN/containerd.sock" >"$DOCKER_RUN/containerd.log" 2>&1 &
	CONTAINERD_PID=$!
	trap docker_cleanup EXIT
	WAIT_SECONDS=120 wait_until test -S "$DOCKER_RUN/containerd.sock" || {
		tail -n 30 "$DOCKER_RUN/containerd.log" >&2
		fail "containerd did not start"
	}
}

# docker_start: install, start containerd and dockerd, import the image.
docker_start() {
	local t0=$SECONDS
	containerd_start
	dockerd_start
	docker_image
	echo "  dockerd $(docker version -f '{{.Server.Version}}') ready in $((SECONDS - t0)) s"
}

# docker_cleanup: the containers and daemons go before the namespaces do.
docker_cleanup() {
	[ -z "$DOCKERD_PID" ] || kill -TERM "$DOCKERD_PID" 2>/dev/null || true
	[ -z "$CONTAINERD_PID" ] || kill -TERM "$CONTAINERD_PID" 2>/dev/null || true
	netns_cleanup
}

# docker_image: vrfctl-busybox, a root of busybox's applets (sh, nc, wget,
# httpd, sleep...) and the tests' static probe as /probe.
docker_image() {
	local root=$TEST_TMP/image a
	mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/www"
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
	done
	install -m 755 "$top_builddir/tests/probe-static" "$root/probe"
	echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	echo hello >"$root/www/index.html"
	tar -C "$root" -cf - . | docker import -c 'CMD ["/bin/sh"]' - "$DOCKER_IMAGE" >/dev/null ||
		fail "docker import failed"
}

# container_ip NAME [NETWORK]: the container's IPv4 address on NETWORK (its
# only one by default).
container_ip() {
	docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{if or (eq "'"${2:-}"'" "") (eq $k "'"${2:-}"'")}}{{$v.IPAddress}}{{end}}{{end}}' "$1"
}

# bridge_of NETWORK: the Linux bridge of a Docker network: docker0, the name
# given with -o com.docker.network.bridge.name, or br-<the id's first 12>.
bridge_of() {
	local id name
	[ "$1" = bridge ] && { echo docker0; return; }
	name=$(docker network inspect -f '{{index .Options "com.docker.network.bridge.name"}}' "$1") ||
		return 1
	id=$(docker network inspect -f '{{.Id}}' "$1") || return 1
	echo "${name:-br-${id:0:12}}"
}

# cprobe CONTAINER ARGS...: the static probe inside a container.
cprobe() {
	local c=$1
	shift
	docker exec "$c" /probe "$@"
}

# docker_serve CONTAINER KIND PORT [ADDR]: the probe's server (tcp/udp) on
# ADDR:PORT in CONTAINER (0.0.0.0; :: for IPv4 and IPv6 on a --ipv6
# network), returned once it answers there.
docker_serve() {
	docker exec -d -e PROBE_SERVE_SECONDS="${PROBE_SERVE_SECONDS:-600}" "$1" \
		/probe "serve-$2" "${4:-0.0.0.0}" "$3"
	wait_for "$2 server on $1:$3" cprobe_quiet "$1" "$2" 127.0.0.1 "$3"
}
cprobe_quiet() { cprobe "$@" >/dev/null 2>&1; }

# The nftables ruleset without vrfctl's own table: Docker's (iptables-nft)
# and anything else, which vrfctl must never change.
foreign_ruleset() {
	nft -s list ruleset 2>/dev/null | awk '
		/^table inet vrfctl \{/ { skip = 1 }
		!skip { print }
		skip && /^\}/ { skip = 0 }'
}
