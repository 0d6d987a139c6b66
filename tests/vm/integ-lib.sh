# Helpers for the integ-*.vm tests: put real ifupdown-ng, ifupdown or openrc
# and vrfctl's integration files into the VM, as packages and `make install`
# would. Source after tests/lib.sh, call after vm_enter. The VM's tree is an
# overlay over the host's root: everything written here vanishes with it.
# shellcheck shell=bash

INTEG_CACHE=${VRFCTL_VM_CACHE:-/var/cache/vrfctl-vm}
[ "${VRFCTL_VM:-}" = 1 ] || skip "runs inside the VM harness (tests/vm/vm-run)"
[ -f "$top_builddir/tests/vm/integ-paths.sh" ] || skip "build first (make check builds tests/vm/integ-paths.sh)"
# sbindir, pkgdatadir, ifupdownngdir as configured.
. "$top_builddir/tests/vm/integ-paths.sh"
EXECUTOR=$ifupdownngdir/vrfctl

# integ_unpack PACKAGE [SET]: copy Debian's unpacked PACKAGE of integ-fetch's
# SET (default integ) over / (keeping the /sbin -> usr/sbin style symlinks of
# a merged /usr).
integ_unpack() {
	local set=${2:-integ}
	local dir=$INTEG_CACHE/$set/$1
	[ -f "$dir/.unpacked" ] ||
		skip "Debian package $1 not fetched: run tests/vm/integ-fetch $set on the host (tools/test does)"
	tar -C "$dir" --exclude=./usr/share/doc --exclude=./usr/share/man -cf - . |
		tar -C / --keep-directory-symlink -xf -
}

# integ_install WHAT...: vrfctl (the binaries and every integration file, at
# the paths `make install --sysconfdir=/etc` uses), ifupdown-ng, ifupdown,
# openrc.
integ_install() {
	local what d
	for what; do
		case $what in
		vrfctl)
			install -D -m 755 "$VRFCTL" "$sbindir/vrfctl"
			install -D -m 755 "$VRF_EXEC" "$sbindir/vrf-exec"
			install -D -m 755 "$top_builddir/ifupdown-hooks/vrfctl" "$EXECUTOR"
			for d in if-pre-up.d if-up.d if-post-down.d; do
				mkdir -p "/etc/network/$d"
				ln -sf "$EXECUTOR" "/etc/network/$d/vrfctl"
			done
			install -D -m 755 "$top_builddir/openrc/vrfctl" /etc/init.d/vrfctl
			install -D -m 644 "$top_builddir/openrc/vrfctl.conf" /etc/rc.conf.d/vrfctl.conf
			install -D -m 644 "$top_builddir/openrc/openrc-vrf.sh" "$pkgdatadir/openrc-vrf.sh"
			;;
		ifupdown-ng)
			[ ! -e /sbin/ifup ] || skip "an ifup is already installed"
			integ_unpack ifupdown-ng
			mkdir -p /etc/network/if-up.d /run/network
			;;
		ifupdown)
			[ ! -e /sbin/ifup ] || skip "an ifup is already installed"
			integ_unpack ifupdown
			mkdir -p /etc/network/if-pre-up.d /etc/network/if-up.d \
				/etc/network/if-down.d /etc/network/if-post-down.d /run/network
			;;
		openrc)
			integ_unpack libeinfo1
			integ_unpack librc1
			integ_unpack openrc
			ldconfig
			# openrc-run outside a booted OpenRC: its state directories, and
			# no other init scripts to scan for dependencies.
			mkdir -p /etc/conf.d /etc/runlevels/{sysinit,boot,default,shutdown}
			# Debian's openrc reads insserv's file for LSB scripts' facilities.
			[ -e /etc/insserv.conf ] || : >/etc/insserv.conf
			mkdir -p /etc/insserv.conf.d
			for d in /etc/init.d/*; do
				case ${d##*/} in vrfctl | functions.sh) ;; *) [ -L "$d" ] || grep -q openrc-run "$d" 2>/dev/null || rm -f "$d" ;; esac
			done
			mkdir -p /run/openrc
			for d in started starting stopping inactive wasinactive exclusive \
				scheduled options daemons failed hotplugged tmp; do
				mkdir -p "/run/openrc/$d"
			done
			echo default >/run/openrc/softlevel
			;;
		*) fail "integ_install: unknown '$what'" ;;
		esac
	done
}

# The ip rules, IPv4 and IPv6, as JSON: what ifdown must give back.
rules_json() {
	ip -j -d rule show
	ip -6 -j -d rule show
}
