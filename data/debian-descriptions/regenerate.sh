#!/usr/bin/env bash
# Regenerate data/debian-descriptions (train.jsonl.gz, valid/ and test/ in BEIR's layout, MANIFEST.txt)
# from Debian 12.15 (bookworm)'s main/binary-amd64 Packages index and main/i18n/Translation-en,
# the two files data/debtags reads (same pins); see NOTICE and regenerate.py.
#
# Usage (from the repository root):  bash data/debian-descriptions/regenerate.sh
#   With PACKAGES and TRANSLATION set to the two index files (plain, .lz4, .xz or .gz), those are
#   used. Otherwise both are fetched with apt-get into a temporary lists directory (the system's
#   apt lists and configuration are left as they are; needs apt-get, root, and the network to
#   deb.debian.org). Both files' sha256 are checked against Debian 12.15's InRelease (pinned in
#   data/debtags/regenerate.py): after a later bookworm point release, take them from
#   https://snapshot.debian.org/archive/debian/<a date in July 2026>/dists/bookworm/main/ instead.
# Needs: python3 (>= 3.8, standard library only); lz4cat for .lz4 files (apt's own format).
# The Python helpers shared by these scripts are in data/lib/datasets.py (on PYTHONPATH).
# Deterministic: rerunning produces byte-identical output files.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [[ -z "${PACKAGES:-}" || -z "${TRANSLATION:-}" ]]; then
    WORK="$(mktemp -d)"
    trap 'rm -rf "$WORK"' EXIT
    chmod 755 "$WORK" # apt's download user (_apt) writes in there
    mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
        > "$WORK/sources.list"
    apt-get update \
        -o Dir::State::Lists="$WORK/lists" \
        -o Dir::Cache="$WORK/cache" \
        -o Dir::Etc::SourceList="$WORK/sources.list" \
        -o Dir::Etc::SourceParts=/nonexistent \
        -o APT::Architecture=amd64 \
        -o Acquire::Languages=en \
        -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false >&2
    PACKAGES="$(ls "$WORK"/lists/*_dists_bookworm_main_binary-amd64_Packages*)"
    TRANSLATION="$(ls "$WORK"/lists/*_dists_bookworm_main_i18n_Translation-en*)"
fi

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$HERE/../lib${PYTHONPATH:+:$PYTHONPATH}" \
    python3 "$HERE/regenerate.py" "$PACKAGES" "$TRANSLATION" "$HERE"
