#!/usr/bin/env bash
# Packaging and compatibility-floor checks (Debian 12), called by .ci/run:
#   1. build the .deb out of tree with Debian's own tools, install it with apt, run it;
#   2. systemd-analyze verify + security (exposure <= 2.5) on the installed units;
#   3. sh -n + shellcheck on the OpenWrt init script and the packaging shell scripts;
#   4. the test suite with /usr/bin/python3 over Debian 12's python3-* packages.
# Needs root (apt-get, dpkg). Usage: .ci/packaging.sh [deb|lint|floor ...] (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
CLEAN_PATH=/usr/sbin:/usr/bin:/sbin:/bin
MAX_EXPOSURE=2.5
# systemd-analyze --threshold counts in tenths (its 0..100 scale; 2.5 is printed for 25).
MAX_EXPOSURE_TENTHS=25
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(deb lint floor)

BUILD_DEPS=(debhelper dh-python pybuild-plugin-pyproject python3-all python3-setuptools
    build-essential fakeroot)
RUN_DEPS=(python3-twisted python3-lxml python3-openssl python3-service-identity adduser)
FLOOR_DEPS=(python3-pytest python3-pytest-twisted python3-requests python3-venv python3-pip
    python3-hypothesis python3-protobuf python3-wsproto protobuf-compiler)
LINT_DEPS=(shellcheck systemd)

step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

apt_need() {
    # Install only what is missing, so a warm machine skips apt entirely.
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "apt-get install ${missing[*]}"
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit)" ]; then
        apt-get update -q
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build_and_install_deb() {
    step "build the .deb (dpkg-buildpackage -us -uc -b, system python)"
    apt_need "${BUILD_DEPS[@]}" "${RUN_DEPS[@]}"
    local work
    work=$(mktemp -d /tmp/cwmpd-deb.XXXXXX)
    # Out of tree: the committed and the new (not ignored) files only, no venv or caches.
    mkdir "$work/cwmpd"
    git ls-files -z --cached --others --exclude-standard \
        | (cd "$REPO" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _) \
        | tar -C "$REPO" --null -T - -cf - | tar -C "$work/cwmpd" -xf -
    (cd "$work/cwmpd" && env -i PATH="$CLEAN_PATH" HOME="$work" LANG=C.UTF-8 \
        dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
        tail -n 60 "$work/build.log"
        echo "FAIL: dpkg-buildpackage (log: $work/build.log)" >&2
        exit 1
    }
    local deb
    deb=$(ls "$work"/cwmpd_*_all.deb)
    ls -l "$deb"
    dpkg-deb --contents "$deb" | awk '{print $6}' | grep -E \
        'bin/cwmpd|bin/cwmpctl|cwmpd_plugin.py|share/cwmpd/plugins/[^/]+/$|cwmpd.toml|\.service|\.path|libexec' \
        || true

    step "install it with apt"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall "$deb" >"$work/install.log" 2>&1 || {
        cat "$work/install.log"
        exit 1
    }
    echo "installed: $(dpkg-query -W -f='${Package} ${Version}' cwmpd)"
    getent passwd cwmpd
    stat -c '%U:%G %a %n' /etc/cwmpd/cwmpd.toml
    echo "\$ /usr/bin/cwmpd --version"
    (cd / && env -i PATH="$CLEAN_PATH" /usr/bin/cwmpd --version)
    if [ -x /usr/bin/cwmpctl ]; then
        echo "\$ /usr/bin/cwmpctl status   (no daemon: expect exit code 3)"
        rc=0
        (cd / && env -i PATH="$CLEAN_PATH" /usr/bin/cwmpctl status) || rc=$?
        [ "$rc" = 3 ] || { echo "FAIL: cwmpctl without a daemon exited $rc, not 3" >&2; exit 1; }
    fi
    echo "\$ twistd3 cwmpd --help (the dropin, found by the system Twisted)"
    (cd / && env -i PATH="$CLEAN_PATH" /usr/bin/twistd3 cwmpd --help) | grep -- '--config='
    ls /usr/lib/python3/dist-packages/twisted/plugins/dropin.cache
    rm -rf "$work"

    step "systemd-analyze verify + security on the installed units"
    apt_need "${LINT_DEPS[@]}"
    local units=(cwmpd.service cwmpd-reboot.service cwmpd-reboot.path
        cwmpd-firmware.service cwmpd-firmware.path cwmpd-packages.service cwmpd-packages.path)
    local dir=/lib/systemd/system
    (cd "$dir" && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "${units[@]}")
    echo "systemd-analyze verify: ${units[*]}: ok"
    systemd-analyze security --offline=yes --no-pager --threshold="$MAX_EXPOSURE_TENTHS" \
        "$dir/cwmpd.service" | tail -n 1
    echo "exposure <= $MAX_EXPOSURE: ok"
}

lint_shell() {
    step "sh -n + shellcheck (init script, root helper, maintainer scripts)"
    apt_need shellcheck
    local scripts=(etc/init.d/cwmpd debian/helpers/cwmpd-helper debian/cwmpd.postinst
        debian/cwmpd.postrm)
    for s in "${scripts[@]}"; do
        sh -n "$s"
        shellcheck --shell=sh "$s"
        echo "$s: sh -n ok, shellcheck ok"
    done
}

floor_tests() {
    step "test suite on Debian 12's packages (/usr/bin/python3, Twisted 22.4, lxml 4.9)"
    apt_need "${RUN_DEPS[@]}" "${FLOOR_DEPS[@]}"
    local venv=${CWMPD_FLOOR_VENV:-/tmp/cwmpd-floor-venv}
    if [ ! -x "$venv/bin/python" ]; then
        env -i PATH="$CLEAN_PATH" /usr/bin/python3 -m venv --system-site-packages "$venv"
    fi
    # Editable, no deps, no build isolation: every library comes from Debian's packages.
    env -i PATH="$CLEAN_PATH" HOME=/tmp "$venv/bin/python" -m pip install -q \
        --no-deps --no-build-isolation --no-index -e "$REPO" 2>&1 | grep -v '^$' || true
    "$venv/bin/python" -c 'import twisted, lxml.etree, OpenSSL, service_identity, pytest, pytest_twisted
import google.protobuf, wsproto
print("twisted", twisted.__version__, "lxml", lxml.etree.__version__, "pyOpenSSL",
      OpenSSL.__version__, "service-identity", service_identity.__version__,
      "pytest", pytest.__version__, "protobuf", google.protobuf.__version__,
      "wsproto", getattr(wsproto, "__version__", "?"))'
    (cd "$REPO" && env -i PATH="$venv/bin:$CLEAN_PATH" HOME=/tmp LANG=C.UTF-8 \
        CI="${CI:-}" CWMPD_SPEC_DIR="${CWMPD_SPEC_DIR:-}" \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider ${CWMPD_FLOOR_PYTEST_ARGS:-})
}

for s in "${STEPS[@]}"; do
    case "$s" in
    deb) build_and_install_deb ;;
    lint) lint_shell ;;
    floor) floor_tests ;;
    *) echo "unknown step $s (deb, lint, floor)" >&2; exit 2 ;;
    esac
done
step "packaging checks done"
