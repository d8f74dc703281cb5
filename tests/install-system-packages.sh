#!/usr/bin/env bash
# The Debian packages `make test` needs beyond Python, installed when missing:
#   chromium (+ fonts)  the browser the browser tests drive (tests/browser/); Playwright never
#                       downloads one here
#   bubblewrap          the grading sandbox (autograde/dlcourse/sandbox/)
# Installed with apt-get as root or with password-less sudo. When that is impossible the script
# says why and the tests that need the package are skipped (under CI=true that is an error:
# CI must run them). PostgreSQL's server is installed by its own test when needed.
set -u

wanted=()
have_chromium=no
for candidate in "${DLCOURSE_CHROMIUM:-}" chromium chromium-browser google-chrome google-chrome-stable; do
    [ -n "$candidate" ] || continue
    if found=$(command -v "$candidate" 2>/dev/null) && [ "$(readlink -f "$found")" != /usr/bin/snap ]; then
        have_chromium=yes
        break
    fi
done
[ "$have_chromium" = yes ] || wanted+=(chromium fonts-dejavu-core)
command -v bwrap >/dev/null 2>&1 || wanted+=(bubblewrap)
[ ${#wanted[@]} -eq 0 ] && exit 0

cannot() {
    echo "make test: $1" >&2
    echo "make test: tests that need ${wanted[*]} will be skipped. Install them yourself:" >&2
    echo "make test:   sudo apt-get install ${wanted[*]}" >&2
    if [ -n "${CI:-}" ]; then
        echo "make test: CI must run every test, so this is an error." >&2
        exit 1
    fi
    exit 0
}

command -v apt-get >/dev/null 2>&1 || cannot "missing ${wanted[*]}, and no apt-get to install them with."
if [ "$(id -u)" = 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    cannot "missing ${wanted[*]}, and installing them needs root (or password-less sudo)."
fi

log=/tmp/dlcourse-apt-install.log
echo "make test: installing ${wanted[*]} (apt-get install) ..."
install() {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${wanted[@]}" >"$log" 2>&1
}
# A fresh machine may have no package lists yet: update them once if the first try fails.
if install || { "${as_root[@]}" apt-get update -qq >>"$log" 2>&1 && install; }; then
    echo "make test: installed ${wanted[*]}"
else
    tail -n 15 "$log" >&2
    cannot "apt-get could not install ${wanted[*]} (log above)."
fi
