#!/usr/bin/env bash
# Makes sure the browser tests have a Chromium: Debian's / Ubuntu's `chromium` package, installed
# with apt-get (as root, or with password-less sudo). Playwright never downloads a browser here.
# `make test` runs this before pytest. When no Chromium can be installed it says why and the
# browser tests are skipped (under CI=true that is an error: CI must run them).
set -u

for candidate in "${DLCOURSE_CHROMIUM:-}" chromium chromium-browser google-chrome google-chrome-stable; do
    [ -n "$candidate" ] || continue
    if found=$(command -v "$candidate" 2>/dev/null) && [ "$(readlink -f "$found")" != /usr/bin/snap ]; then
        exit 0  # already there
    fi
done

cannot() {
    echo "make test: $1" >&2
    echo "make test: the browser tests (tests/browser/) will be skipped. Install Chromium yourself" >&2
    echo "make test: (sudo apt-get install chromium) or set DLCOURSE_CHROMIUM to a Chromium binary." >&2
    if [ -n "${CI:-}" ]; then
        echo "make test: CI must run the browser tests, so this is an error." >&2
        exit 1
    fi
    exit 0
}

command -v apt-get >/dev/null 2>&1 || cannot "no Chromium found, and no apt-get to install one with."
if [ "$(id -u)" = 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    cannot "no Chromium found, and installing one needs root (or password-less sudo)."
fi

echo "make test: installing Debian's chromium for the browser tests (apt-get install chromium) ..."
install() {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/tmp/dlcourse-chromium-install.log 2>&1
}
# A fresh machine may have no package lists yet: update them once if the first try fails.
if install || { "${as_root[@]}" apt-get update -qq >>/tmp/dlcourse-chromium-install.log 2>&1 && install; }; then
    echo "make test: installed $(chromium --version 2>/dev/null | head -n 1)"
else
    tail -n 15 /tmp/dlcourse-chromium-install.log >&2
    cannot "apt-get could not install chromium (log above)."
fi
