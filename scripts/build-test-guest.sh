#!/usr/bin/env bash
# Builds the small Linux i386 test guest from Debian packages (never committed as an image):
# Debian 12's i386 kernel, an initramfs of busybox-static plus the kernel's own NIC, 9P, CD-ROM
# and floppy modules, and an /init that prints marker lines and gives a shell on COM1, packed
# into an isolinux ISO. Kernel and modules come from the same package, so they always match.
#
#   bash scripts/build-test-guest.sh [OUT_DIR]     (default: test-artifacts/guest)
#
# Writes OUT_DIR/linux-test-guest.iso (plus vmlinuz and initrd.gz) and OUT_DIR/VERSION; does
# nothing when VERSION already names the packages the archive offers. Needs: dpkg's i386
# architecture enabled with package lists (scripts/install-test-deps.sh does that), xorriso,
# isolinux, syslinux-common, cpio, kmod.
#
# The guest's serial console (ttyS0) prints, in order:
#   hangar-guest: booted
#   hangar-guest: net eth0 10.0.2.15        (one line per interface that got a lease; "net none" if none)
#   hangar-guest: ready
# and then runs a shell on ttyS0 (and another on tty1, the VGA console). Tests read those lines.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/test-artifacts/guest}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

for tool in xorriso cpio depmod dpkg-deb apt-get gzip; do
  command -v "$tool" >/dev/null || { echo "build-test-guest: $tool is missing; run scripts/install-test-deps.sh first." >&2; exit 1; }
done
for file in /usr/lib/ISOLINUX/isolinux.bin /usr/lib/ISOLINUX/isohdpfx.bin /usr/lib/syslinux/modules/bios/ldlinux.c32; do
  [ -f "$file" ] || { echo "build-test-guest: $file is missing; install the isolinux and syslinux-common packages." >&2; exit 1; }
done

# The newest 686 kernel flavour the archive offers for i386 (the meta package names it).
kernel_package="$(apt-cache depends linux-image-686:i386 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-686\)\(:i386\)\?$/\1/p' | head -n1)"
if [ -z "$kernel_package" ]; then
  echo "build-test-guest: no i386 kernel package found. Enable the architecture and refresh the lists:" >&2
  echo "  dpkg --add-architecture i386 && apt-get update" >&2
  exit 1
fi
kernel_version="$(apt-cache policy "$kernel_package:i386" | sed -n 's/^ *Candidate: //p')"
busybox_version="$(apt-cache policy busybox-static:i386 | sed -n 's/^ *Candidate: //p')"
recipe_hash="$(sha256sum "$0" | cut -c1-12)"
stamp="$kernel_package $kernel_version busybox-static $busybox_version recipe $recipe_hash"
if [ -f "$out/VERSION" ] && [ "$(cat "$out/VERSION")" = "$stamp" ] && [ -f "$out/linux-test-guest.iso" ]; then
  echo "build-test-guest: $out/linux-test-guest.iso is current ($stamp)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "build-test-guest: downloading $kernel_package ($kernel_version) and busybox-static ($busybox_version) for i386"
(cd "$work" && apt-get download -q "$kernel_package:i386" busybox-static:i386 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
ls "$work"/linux-image-*.deb "$work"/busybox-static_*.deb >/dev/null
dpkg-deb -x "$work"/linux-image-*.deb "$work/kernel"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
release="$(ls "$work/kernel/lib/modules")"

# Modules the guest loads, and everything they depend on (closure from the kernel's modules.dep).
wanted="virtio_console ne2k-pci 8139cp 8139too e1000 pcnet32 virtio_pci virtio_net 9p 9pnet_virtio sr_mod isofs ata_piix ata_generic floppy vfat nls_cp437 nls_iso8859-1 nls_utf8"
depmod -b "$work/kernel" "$release"
modules_dep="$work/kernel/lib/modules/$release/modules.dep"
declare -A chosen=()
queue=()
for name in $wanted; do
  path="$(grep -E "/${name//_/[-_]}\.ko(\.[a-z]+)?:" "$modules_dep" | head -n1 | cut -d: -f1)"
  [ -n "$path" ] || { echo "build-test-guest: module $name is not in $kernel_package" >&2; exit 1; }
  queue+=("$path")
done
while [ "${#queue[@]}" -gt 0 ]; do
  path="${queue[0]}"
  queue=("${queue[@]:1}")
  [ -n "${chosen[$path]:-}" ] && continue
  chosen[$path]=1
  for dependency in $(grep -E "^${path//./\\.}:" "$modules_dep" | cut -d: -f2); do queue+=("$dependency"); done
done

initramfs="$work/initramfs"
mkdir -p "$initramfs"/{bin,sbin,etc,proc,sys,dev,tmp,mnt,root,usr/bin,usr/sbin,"lib/modules/$release"}
cp "$work/busybox/bin/busybox" "$initramfs/bin/busybox"
for path in "${!chosen[@]}"; do
  mkdir -p "$initramfs/lib/modules/$release/$(dirname "$path")"
  cp "$work/kernel/lib/modules/$release/$path" "$initramfs/lib/modules/$release/$path"
done
cp "$work/kernel/lib/modules/$release"/modules.{order,builtin,builtin.modinfo} "$initramfs/lib/modules/$release/" 2>/dev/null || true
depmod -b "$initramfs" "$release"

cat > "$initramfs/etc/udhcpc.script" <<'SCRIPT'
#!/bin/sh
# udhcpc hook: apply the lease (busybox passes it in the environment).
case "$1" in
  deconfig) ifconfig "$interface" 0.0.0.0 ;;
  bound|renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}"
    if [ -n "$router" ]; then
      while route del default gw 0.0.0.0 dev "$interface" 2>/dev/null; do :; done
      for gateway in $router; do route add default gw "$gateway" dev "$interface"; break; done
    fi
    : > /etc/resolv.conf
    for server in $dns; do echo "nameserver $server" >> /etc/resolv.conf; done
    ;;
esac
exit 0
SCRIPT
chmod 755 "$initramfs/etc/udhcpc.script"

cat > "$initramfs/init" <<'SCRIPT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
stty -F /dev/ttyS0 115200 raw -echo 2>/dev/null
stty -F /dev/ttyS0 sane 2>/dev/null
marker() { echo "hangar-guest: $*" > /dev/ttyS0; echo "hangar-guest: $*" > /dev/tty1 2>/dev/null; }
marker booted
for module in ata_piix ata_generic sr_mod isofs floppy vfat nls_cp437 nls_iso8859-1 nls_utf8 \
              ne2k-pci 8139cp 8139too e1000 pcnet32 virtio_pci virtio_net 9p 9pnet_virtio virtio_console; do
  modprobe "$module" 2>/dev/null
done
ifconfig lo 127.0.0.1 up
leased=0
for path in /sys/class/net/eth*; do
  [ -e "$path" ] || continue
  interface="${path##*/}"
  ifconfig "$interface" up
  if udhcpc -i "$interface" -n -q -t 6 -T 2 -s /etc/udhcpc.script >/dev/null 2>&1; then
    address="$(ifconfig "$interface" | sed -n 's/.*inet addr:\([0-9.]*\).*/\1/p')"
    marker "net $interface $address"
    leased=1
  else
    marker "net $interface no-lease"
  fi
done
[ "$leased" = 1 ] || marker "net none"
marker ready
( while :; do setsid sh -c 'exec sh </dev/tty1 >/dev/tty1 2>&1'; sleep 1; done ) &
while :; do setsid -c sh </dev/ttyS0 >/dev/ttyS0 2>&1; sleep 1; done
SCRIPT
chmod 755 "$initramfs/init"

iso_tree="$work/iso"
mkdir -p "$iso_tree/isolinux"
cp "$work/kernel/boot/vmlinuz-$release" "$iso_tree/vmlinuz"
(cd "$initramfs" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 > "$iso_tree/initrd.gz"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso_tree/isolinux/"
cat > "$iso_tree/isolinux/isolinux.cfg" <<'CONFIG'
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz console=tty0 console=ttyS0,115200 quiet loglevel=3 no_timer_check
CONFIG
xorriso -as mkisofs -quiet -o "$work/guest.iso" -V HANGAR_TEST_GUEST -J -R \
  -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
  -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin "$iso_tree"
mv "$work/guest.iso" "$out/linux-test-guest.iso"
cp "$iso_tree/vmlinuz" "$out/vmlinuz"
cp "$iso_tree/initrd.gz" "$out/initrd.gz"
echo "$stamp" > "$out/VERSION"
echo "build-test-guest: wrote $out/linux-test-guest.iso ($(du -h "$out/linux-test-guest.iso" | cut -f1); kernel $release, ${#chosen[@]} modules)"
