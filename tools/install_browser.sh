#!/usr/bin/env bash
# Install the browser of the JupyterLab end-to-end tests (tests/browser/):
# Debian's Chromium and its driver. Idempotent and minimal: it does nothing
# when /usr/bin/chromium is already there, installs nothing else, and only
# acts as root where apt-get exists. Elsewhere it says why it cannot, and the
# browser tests then skip with a clear message (outside CI).
#   bash tools/install_browser.sh
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "install_browser: /usr/bin/chromium is already installed ($(/usr/bin/chromium --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser: apt-get is not available: install Chromium by hand (Debian packages chromium, chromium-driver)" >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_browser: not root: run 'sudo apt-get install -y chromium chromium-driver' to enable the browser tests" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y chromium chromium-driver
echo "install_browser: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
