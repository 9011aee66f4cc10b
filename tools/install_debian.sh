#!/usr/bin/env bash
# Install a Debian package the course needs from the system, if it is missing:
#   bash tools/install_debian.sh /usr/bin/bwrap bubblewrap                 # the grading sandbox (make sandbox)
#   bash tools/install_debian.sh /usr/bin/chromium chromium chromium-driver # the browser tests (make browser)
#   bash tools/install_debian.sh /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc fonts-noto-cjk # make fonts
# Idempotent and minimal: it does nothing when the program or file (first argument) is already there, installs
# nothing else, and only acts as root where apt-get exists. Elsewhere it says why it cannot and exits 0:
# what needs the program then stops with a message of its own (make grade) or skips (browser tests
# outside CI).
set -euo pipefail

program="$1"
shift
packages=("$@")
name="install_debian: ${packages[*]}"

if [ -e "$program" ]; then
    echo "$name: $program is already installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "$name: apt-get is not available: install it by hand (Debian packages ${packages[*]})" >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "$name: not root: run 'sudo apt-get install -y ${packages[*]}'" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y "${packages[@]}" || { apt-get update && apt-get install -y "${packages[@]}"; }
echo "$name: installed $program"
