#!/usr/bin/env bash
# run.sh — what `make run` starts: bin/mila serve, with its defaults.
#
# One case is smoothed over for a volunteer on a fresh machine: as root,
# Mila runs its PostgreSQL as the `postgres` system user, which must be
# able to pass through every directory above the data directory. A
# checkout under /root is not reachable for it; rather than fail, keep
# the data in /var/lib/mila (and say so). MILA_DATA_DIR or DATABASE_URL,
# when set, are used as they are.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${MILA_DATA_DIR:-}" ] && [ -z "${DATABASE_URL:-}" ] && [ "$(id -u)" -eq 0 ] &&
	id postgres >/dev/null 2>&1 &&
	! su postgres -s /bin/sh -c 'test -x "$1"' -- x "$PWD" 2>/dev/null; then
	export MILA_DATA_DIR=/var/lib/mila
	echo "The postgres system user cannot reach $PWD, so Mila keeps its data in $MILA_DATA_DIR."
fi
exec ./bin/mila serve "$@"
