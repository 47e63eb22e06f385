# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Common helpers, sourced by the scripts in scripts/ (not executable itself).
#
#   REPO        absolute path of the repository root (from this file's location)
#   KP_CACHE    cache directory (env override; default ~/.cache/kpath, or
#               $XDG_CACHE_HOME/kpath: shared by every clone on the machine)
#   kp_log MSG  progress message on stderr: "[kpath +12s] MSG"
#   kp_die MSG  kp_log MSG and exit 1
#   kp_release LANE   kernel release of a lane: 6.1 (Debian's stock kernel,
#               the one linux-headers-amd64 names), 6.12 (the newest
#               linux-headers-6.12.*+deb12-amd64), debug (scripts/debug-kernel,
#               built on demand); a release string (6.1.0-56-amd64) as is
#   kp_kver     kp_release of $KVER (default 6.1)
#   kp_apt_install PKG...   install the missing Debian packages (idempotent;
#               waits for a dpkg lock another apt holds)
#   kp_apt_install_backports PKG...   the same from bookworm-backports

if [[ -n "${KP_LIB_SOURCED:-}" ]]; then
	return 0
fi
KP_LIB_SOURCED=1

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
KP_CACHE="${KP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kpath}"
case "$KP_CACHE" in
/*) ;;
*) KP_CACHE="$PWD/$KP_CACHE" ;;
esac
export REPO KP_CACHE

# Start of the timer for kp_log (inherited by child scripts via the env).
KP_T0="${KP_T0:-$(date +%s)}"
export KP_T0

kp_log() {
	local now
	now=$(date +%s)
	printf '[kpath +%ds] %s\n' "$((now - KP_T0))" "$*" >&2
}

kp_die() {
	kp_log "ERROR: $*"
	exit 1
}

# Debian's stock 6.1 flavour version, e.g. "6.1.0-56-amd64", from the
# linux-headers-amd64 metapackage (installed, else apt's candidate).
kp_release_stock() {
	local dep=""
	if kp_pkg_installed linux-headers-amd64; then
		dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64)
	else
		dep=$(apt-cache show --no-all-versions linux-headers-amd64 2>/dev/null |
			sed -n 's/^Depends: //p' | head -n1)
	fi
	# "linux-headers-6.1.0-56-amd64 (= 6.1.192-2)" -> "6.1.0-56-amd64"
	local kver
	kver=$(printf '%s\n' "$dep" | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*-amd64\).*/\1/p' | head -n1)
	[[ -n "$kver" ]] || kp_die "cannot resolve the kernel version from linux-headers-amd64 (apt-get update? or set KVER)"
	printf '%s\n' "$kver"
}

# The newest Debian 12 6.12 flavour, e.g. "6.12.111+deb12-amd64".
kp_newest_612() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
		sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12-amd64\) .*/\1/p' | sort -V | tail -n1
}

kp_release_612() {
	local kver
	kver=$(kp_newest_612)
	if [[ -z "$kver" ]]; then
		kp_apt_update
		kver=$(kp_newest_612)
	fi
	[[ -n "$kver" ]] || kp_die "no linux-headers-6.12.*+deb12-amd64 package known to apt"
	printf '%s\n' "$kver"
}

kp_release() {
	case "$1" in
	6.1) kp_release_stock ;;
	6.12) kp_release_612 ;;
	debug) cat "$("$REPO/scripts/debug-kernel")/kernelrelease" ;;
	[0-9]*) printf '%s\n' "$1" ;;
	*) kp_die "unknown kernel '$1' (want 6.1, 6.12, debug or a release like 6.1.0-56-amd64)" ;;
	esac
}

kp_kver() {
	kp_release "${KVER:-6.1}"
}

kp_pkg_installed() {
	[[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# apt-get, waiting up to 10 minutes for a dpkg/apt lock held by another
# apt (an unattended upgrade, a parallel run) instead of failing at once.
# (apt repeats its "Waiting for cache lock" line every second: show it once.)
kp_apt() {
	DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 "$@" 2>&1 |
		awk '/^Waiting for cache lock/ { if (w++) next } { print; fflush() }'
	return "${PIPESTATUS[0]}"
}

# apt-get update at most once per run (KP_APT_UPDATED is exported to children).
kp_apt_update() {
	[[ -z "${KP_APT_UPDATED:-}" ]] || return 0
	[[ "$(id -u)" == 0 ]] || return 0
	kp_log "apt-get update"
	kp_apt update >&2 || kp_die "apt-get update failed"
	KP_APT_UPDATED=1
	export KP_APT_UPDATED
}

# Install the given Debian packages unless already installed.
kp_apt_install() {
	local missing=() p
	for p in "$@"; do
		kp_pkg_installed "$p" || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	if [[ "$(id -u)" != 0 ]]; then
		kp_log "missing Debian packages: ${missing[*]}"
		kp_die "not root: run as root (or: apt-get install ${missing[*]})"
	fi
	kp_apt_update
	kp_log "installing: ${missing[*]}"
	kp_apt install -y --no-install-recommends "${missing[@]}" >&2 ||
		kp_die "apt-get install failed: ${missing[*]}"
	kp_log "installed: ${missing[*]}"
}

KP_BACKPORTS=bookworm-backports

# Add Debian 12's backports suite as one more apt source, on the mirror the
# machine already uses for bookworm, with a pin that keeps everything but
# QEMU (and what it needs) on bookworm.  Idempotent.
kp_backports_enable() {
	local src=/etc/apt/sources.list.d/kpath-backports.sources
	local pin=/etc/apt/preferences.d/kpath-backports
	if ! grep -rqs "$KP_BACKPORTS" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		[[ "$(id -u)" == 0 ]] || kp_die "not root: cannot add the $KP_BACKPORTS apt source"
		local uri
		# deb822 (.sources: "URIs:" before "Suites: bookworm ...") or one-line.
		uri=$(awk '/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") { print u; exit } }' \
			/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
		[[ -n "$uri" ]] || uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
		[[ -n "$uri" ]] || kp_die "cannot find the apt source of Debian 12 (bookworm) to add $KP_BACKPORTS beside it"
		kp_log "adding the $KP_BACKPORTS apt source ($src)"
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			"$uri" "$KP_BACKPORTS" >"$src"
		KP_APT_UPDATED=
	fi
	if [[ ! -f "$pin" ]]; then
		[[ "$(id -u)" == 0 ]] || kp_die "not root: cannot write $pin"
		# Backports stay at apt's default 100 (never picked by themselves);
		# QEMU's packages come from there once installed with -t.
		printf '%s\n' '# kpath (scripts/lib.sh): QEMU from backports, the rest from bookworm' \
			'Package: *' "Pin: release n=$KP_BACKPORTS" 'Pin-Priority: 100' '' \
			'Package: qemu-*' "Pin: release n=$KP_BACKPORTS" 'Pin-Priority: 600' >"$pin"
	fi
}

# Install packages from bookworm-backports (and, from there too, the
# dependencies they need newer than bookworm has) unless installed from it.
kp_apt_install_backports() {
	local missing=() p
	for p in "$@"; do
		if ! kp_pkg_installed "$p" ||
			! dpkg-query -W -f='${Version}' "$p" | grep -q '~bpo'; then
			missing+=("$p")
		fi
	done
	((${#missing[@]})) || return 0
	[[ "$(id -u)" == 0 ]] || kp_die "not root: cannot install ${missing[*]} from $KP_BACKPORTS"
	kp_backports_enable
	kp_apt_update
	kp_log "installing from $KP_BACKPORTS: ${missing[*]}"
	kp_apt install -y --no-install-recommends -t "$KP_BACKPORTS" "${missing[@]}" >&2 ||
		kp_die "apt-get install -t $KP_BACKPORTS failed: ${missing[*]}"
	kp_log "installed: ${missing[*]} ($(dpkg-query -W -f='${Version}' "${missing[0]}"))"
}
