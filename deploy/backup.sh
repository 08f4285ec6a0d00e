#!/usr/bin/env bash
# Back up camshare: the database (pg_dump, custom format) and the footage store (every
# object of the bucket or folder, with a SHA-256 of each), into a new folder.
#
#   set -a; source /etc/camshare/camshare.env; set +a
#   deploy/backup.sh /srv/backups/camshare-$(date +%F)
#
# Restore with deploy/restore.sh. Run it from the checkout (its Python reads the settings).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:?usage: deploy/backup.sh DESTINATION_FOLDER}
url=${CAMSHARE_DATABASE_URL:?CAMSHARE_DATABASE_URL is not set}
case "$url" in
  postgresql*) ;;
  *) echo "backup.sh backs up PostgreSQL; CAMSHARE_DATABASE_URL is not a PostgreSQL URL" >&2; exit 1 ;;
esac
# libpq's URL has no "+driver" part.
libpq_url="postgresql://${url#*://}"
mkdir -p "$dest"
python=${PYTHON:-.venv/bin/python}
pg_dump --format=custom --no-owner --file="$dest/camshare.dump" "$libpq_url"
"$python" -m deploy.footage_copy dump "$dest/footage"
echo "database: $dest/camshare.dump ($(stat -c %s "$dest/camshare.dump") bytes)"
