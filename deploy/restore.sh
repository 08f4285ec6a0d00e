#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into the database and footage store the
# settings name. The database's tables are dropped and replaced; stop the web nodes and
# workers first (systemctl stop camshare-web camshare-worker).
#
#   set -a; source /etc/camshare/camshare.env; set +a
#   deploy/restore.sh /srv/backups/camshare-2026-12-02
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: deploy/restore.sh BACKUP_FOLDER}
url=${CAMSHARE_DATABASE_URL:?CAMSHARE_DATABASE_URL is not set}
libpq_url="postgresql://${url#*://}"
python=${PYTHON:-.venv/bin/python}
# The footage's sums are checked before anything is changed.
"$python" -m deploy.footage_copy load "$src/footage"
pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$libpq_url" "$src/camshare.dump"
echo "database restored from $src/camshare.dump"
