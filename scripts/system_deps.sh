#!/usr/bin/env bash
# Debian packages the platform needs beyond PyPI: a CJK font for PDF documents and browser
# screenshots (Chinese otherwise renders as empty boxes), Chromium for the browser tests, and
# a Java runtime for Spark (the lake's rollups are proven equal on DuckDB and Spark).
# Installs only what is missing; runs as root or through sudo.
set -euo pipefail
wanted=(fonts-wqy-microhei fonts-noto-cjk chromium poppler-utils wrk openjdk-17-jre-headless)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || true
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
