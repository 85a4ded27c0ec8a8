#!/usr/bin/env bash
# Installs every build and test dependency from Debian 12 packages.
# Idempotent and quick when everything is there already.
set -euo pipefail

packages=(
    build-essential pkg-config git file
    libblkid-dev libcap-dev libcmocka-dev
    libmount-dev patch xz-utils
    bats bats-support bats-assert jq scdoc
    clang libclang-rt-14-dev cppcheck clang-tidy shellcheck
    util-linux mount procps coreutils perl strace time
    dosfstools mtools e2fsprogs xfsprogs btrfs-progs
    fdisk
    bash-completion zsh fish
    initramfs-tools debhelper lintian dpkg-dev fakeroot busybox-static
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing ${missing[*]}; run 'make deps' as root" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
