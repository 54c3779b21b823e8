#!/bin/sh
# The one list of system packages the tests need, and their set-up (`npm test` runs this first as
# `pretest`; .ci/run runs `npm ci && npm test`). Each line: Debian package, a command it provides, and
# `root` when only tests that run as root use it (a user's PATH may lack /usr/sbin for those), and
# `norec` to install it without Debian's recommended packages (Ceph's recommends are large).
# All there: silent, exit 0. Missing, as root with apt-get: apt-get update once, install, exit 0.
# Missing otherwise: prints the exact install line and exits 1 before any test runs.
# The mosquitto package may start a system broker on 1883; the tests never use it (own brokers on free ports).
set -eu

DEPS='
ffmpeg ffmpeg
ffmpeg ffprobe
socat socat
mosquitto mosquitto
mosquitto-clients mosquitto_pub
e2fsprogs mkfs.ext4 root
p7zip-full 7z
openssl openssl
lrzsz sz
chromium chromium
postgresql pg_ctlcluster
radosgw radosgw norec
ceph-mon ceph-mon norec
ceph-osd ceph-osd norec
'

pkgs() { printf '%s\n' "$DEPS" | awk -v want="$1" 'NF { n = 0; for (i = 3; i <= NF; i++) if ($i == "norec") n = 1; if (n == want && !seen[$1]++) printf "%s ", $1 }' | sed 's/ $//'; }
rec=$(pkgs 0)
norec=$(pkgs 1)
all="$rec $norec"

# absent: nowhere; offpath: installed in an sbin directory this PATH lacks (a user's PATH often does).
check() {
  absent=''
  offpath=''
  for entry in $(printf '%s\n' "$DEPS" | awk 'NF { r = ""; for (i = 3; i <= NF; i++) if ($i == "root") r = "root"; print $2 ":" r }'); do
    cmd=${entry%%:*}
    command -v "$cmd" >/dev/null 2>&1 && continue
    if [ -x "/usr/sbin/$cmd" ] || [ -x "/sbin/$cmd" ]; then
      [ "${entry#*:}" = root ] && [ "$(id -u)" != 0 ] || offpath="$offpath $cmd"
    else
      absent="$absent $cmd"
    fi
  done
}

check
if [ -n "$absent" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: the tests need system packages that are missing (not found:$absent)." >&2
    echo "Install them as root, then run the tests again:" >&2
    echo "  apt-get update && apt-get install -y $rec && apt-get install -y --no-install-recommends $norec" >&2
    exit 1
  fi
  echo "system-deps: not found:$absent; installing $all" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  apt-get install -y -qq $rec >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $norec >/dev/null
  check
  if [ -n "$absent" ]; then
    echo "system-deps: still not found after the install:$absent" >&2
    exit 1
  fi
fi
if [ -n "$offpath" ]; then
  echo "system-deps: installed but not on PATH:$offpath; add /usr/sbin:/sbin to PATH and run again" >&2
  exit 1
fi
