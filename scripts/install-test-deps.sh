#!/usr/bin/env bash
# Installs the Debian packages the tests need (run as root on Debian 12).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
sudo_prefix=""
if [ "$(id -u)" -ne 0 ]; then sudo_prefix="sudo"; fi
# The Linux test guest (scripts/build-test-guest.sh) is built from Debian's i386 kernel and
# busybox packages, downloaded with apt-get download: the i386 package lists are needed.
if ! dpkg --print-foreign-architectures | grep -qx i386; then $sudo_prefix dpkg --add-architecture i386; fi
# A mirror in the middle of a sync can serve an index file of the wrong size (apt-get update
# then exits 100): try again, and in the end go on with the lists apt already has. The installs
# below still fail, saying which package, if those lists lack one.
# (Seen for days on the same i386 security index: so few, short retries.)
for attempt in 1 2 3; do
  if $sudo_prefix apt-get update; then break; fi
  if [ "$attempt" -eq 3 ]; then
    echo "install-test-deps: apt-get update failed 3 times; going on with the package lists already on this machine." >&2
    break
  fi
  sleep $((attempt * 5))
done
# diod + bubblewrap: v86's shared folders (a 9P server confined to the shared folder).
$sudo_prefix apt-get install -y --no-install-recommends \
  grub-rescue-pc seabios qemu-system-x86 qemu-utils nasm osinfo-db xorriso mtools \
  chromium python3 make g++ \
  isolinux syslinux-common cpio kmod \
  diod bubblewrap
