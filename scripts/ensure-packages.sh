#!/usr/bin/env bash
# ensure-packages.sh PKG... — make sure the Debian packages Mila needs are
# installed. As root, installs the missing ones (one apt-get update first,
# --no-install-recommends). Otherwise prints the exact command and fails.
set -euo pipefail

missing=()
for pkg in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		# nodejs/npm from another source (e.g. NodeSource) count as present.
		case "$pkg" in
		nodejs) command -v node >/dev/null 2>&1 && continue ;;
		npm) command -v npm >/dev/null 2>&1 && continue ;;
		esac
		missing+=("$pkg")
	fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "Mila needs these packages: ${missing[*]} (this is not a Debian system: install them with your package manager, or set DATABASE_URL for PostgreSQL)." >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "Missing packages. Run this, then try again:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

echo "Installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
