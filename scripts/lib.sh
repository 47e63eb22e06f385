# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Common helpers, sourced by the scripts in scripts/ (not executable itself).
#
#   REPO        absolute path of the repository root (from this file's location)
#   KP_CACHE    cache directory (env override; default $REPO/.cache, git-ignored)
#   kp_log MSG  progress message on stderr: "[kpath +12s] MSG"
#   kp_die MSG  kp_log MSG and exit 1
#   kp_kver     Debian kernel version string (e.g. 6.1.0-56-amd64): $KVER if set,
#               else resolved from the linux-headers-amd64 package's Depends
#   kp_apt_install PKG...   install the missing Debian packages (idempotent)

if [[ -n "${KP_LIB_SOURCED:-}" ]]; then
	return 0
fi
KP_LIB_SOURCED=1

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
KP_CACHE="${KP_CACHE:-$REPO/.cache}"
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

# Print the Debian kernel flavour version, e.g. "6.1.0-56-amd64".
kp_kver() {
	if [[ -n "${KVER:-}" ]]; then
		printf '%s\n' "$KVER"
		return 0
	fi
	local dep=""
	if [[ "$(dpkg-query -W -f='${Status}' linux-headers-amd64 2>/dev/null)" == "install ok installed" ]]; then
		dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64)
	else
		# Not installed: use the candidate version known to apt.
		dep=$(apt-cache show --no-all-versions linux-headers-amd64 2>/dev/null |
			sed -n 's/^Depends: //p' | head -n1)
	fi
	# "linux-headers-6.1.0-56-amd64 (= 6.1.192-2)" -> "6.1.0-56-amd64"
	local kver
	kver=$(printf '%s\n' "$dep" | tr ',' '\n' |
		sed -n 's/^ *linux-headers-\([0-9][^ ]*-amd64\).*/\1/p' | head -n1)
	[[ -n "$kver" ]] || kp_die "cannot resolve the kernel version from linux-headers-amd64 (install it: scripts/deps build, or set KVER)"
	printf '%s\n' "$kver"
}

kp_pkg_installed() {
	[[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# Install the given Debian packages unless already installed.
# apt-get update runs at most once per run (KP_APT_UPDATED is exported to children).
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
	if [[ -z "${KP_APT_UPDATED:-}" ]]; then
		kp_log "apt-get update"
		apt-get update -q >&2 || kp_die "apt-get update failed"
		KP_APT_UPDATED=1
		export KP_APT_UPDATED
	fi
	kp_log "installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2 || kp_die "apt-get install failed: ${missing[*]}"
	kp_log "installed: ${missing[*]}"
}
