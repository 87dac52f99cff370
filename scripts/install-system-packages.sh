#!/usr/bin/env bash
# Debian packages reportflow needs at run time and in tests; installs only what is missing.
# fonts-noto-cjk: without a CJK font WeasyPrint renders Chinese as empty boxes, silently.
# poppler-utils: pdftotext/pdftoppm, to read and look at the bulletin PDFs.
# libpango/harfbuzz: WeasyPrint's text layout.
# chromium: the tests open the quality Data Docs pages in headless Chromium.
set -euo pipefail
packages=(fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
  chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
