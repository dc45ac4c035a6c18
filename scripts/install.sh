#!/usr/bin/env bash
# Installs everything dssd needs on Debian 12. Idempotent: installs only what is missing.
# DuckDB 1.4.4 comes from the npm registry (library + header), into third_party/duckdb/ (ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

PKGS=(build-essential cmake ninja-build ccache pkg-config git
      libboost1.81-dev nlohmann-json3-dev libsqlite3-dev libgtest-dev libgmock-dev
      postgresql libpq-dev
      python3 python3-pandas python3-dateutil python3-pytest python3-requests
      wrk nginx-light clang-format curl)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come with a non-Debian nodejs build; only ask Debian for it when the command is absent.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # nginx is only a benchmark reference: never leave the packaged service running.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true; fi
  $SUDO service nginx stop >/dev/null 2>&1 || true
fi

DUCK=third_party/duckdb
if [ ! -f "$DUCK/lib/libduckdb.so" ] || [ ! -f "$DUCK/include/duckdb.h" ]; then
  echo "install.sh: fetching DuckDB 1.4.4 with npm pack"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @duckdb/node-bindings-linux-x64@1.4.4-r.4 duckdb@1.4.4 >/dev/null)
  mkdir -p "$DUCK/lib" "$DUCK/include"
  tar -xzf "$tmp"/duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz -C "$tmp" package/libduckdb.so
  mv "$tmp/package/libduckdb.so" "$DUCK/lib/libduckdb.so"
  tar -xzf "$tmp"/duckdb-1.4.4.tgz -C "$tmp" package/src/duckdb/src/include/duckdb.h
  mv "$tmp/package/src/duckdb/src/include/duckdb.h" "$DUCK/include/duckdb.h"
  rm -rf "$tmp"
fi
echo "install.sh: dependencies ready"
