#!/usr/bin/env bash
# Builds dist/meridian_<version>_amd64.deb with Debian's own tools: static-Swift-stdlib release
# binaries (glibc and OpenSSL stay dynamic, so they run on Proxmox VE 7/8 without Swift), the
# systemd unit, man pages and shell completions generated from the argument parser.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(cat VERSION)
# A scratch path of its own: a dynamic release build elsewhere (the man page plugin makes one)
# must never be mistaken for the static one.
static=(-c release --static-swift-stdlib --scratch-path .build-static)
swift build "${static[@]}" --product meridian 2>&1 | tail -n 1
swift build "${static[@]}" --product meridian-agent 2>&1 | tail -n 1
bin=$(swift build "${static[@]}" --show-bin-path)
for tool in meridian meridian-agent; do
    if ldd "$bin/$tool" | grep -q libswift; then echo "$tool links the Swift runtime dynamically" >&2; exit 1; fi
done
for tool in meridian meridian-agent; do
    printed=$("$bin/$tool" --version)
    [ "$printed" = "$version" ] || { echo "$tool --version says $printed, VERSION says $version" >&2; exit 1; }
done
root=dist/pkgroot
rm -rf "$root"
install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/usr/share/man/man8" \
    "$root/usr/share/doc/meridian" "$root/usr/share/bash-completion/completions" \
    "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d"
install -d -m 0750 "$root/etc/meridian"
install -m 0755 -s "$bin/meridian" "$bin/meridian-agent" "$root/usr/bin/"
install -m 0644 packaging/meridian-agent.service packaging/meridian.service "$root/lib/systemd/system/"
install -m 0644 README.md certs/README.md "$root/usr/share/doc/meridian/" 2>/dev/null || true
install -m 0644 certs/README.md "$root/usr/share/doc/meridian/certs.md"
install -m 0644 protocol/PROTOCOL.md "$root/usr/share/doc/meridian/"
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/meridian/copyright"
"$bin/meridian" --generate-completion-script bash | sed '1{/^#!/d}' >"$root/usr/share/bash-completion/completions/meridian"
"$bin/meridian" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_meridian"
"$bin/meridian" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/meridian.fish"
# Man pages from the argument parser (its generate-manual plugin); the agent's is hand-written.
swift package --allow-writing-to-package-directory generate-manual --multi-page --section 8 >/dev/null 2>&1
for page in .build/plugins/GenerateManual/outputs/meridian/*.8; do
    case "$page" in *lab.restart-chrony.8|*lab.set-clock.8|*lab.clockd.8|*lab.corosync.8|*help.8) continue ;; esac
    gzip -9n <"$page" >"$root/usr/share/man/man8/$(basename "$page").gz"
done
gzip -9n <packaging/meridian-agent.8 >"$root/usr/share/man/man8/meridian-agent.8.gz"
for script in postinst prerm postrm; do install -m 0755 "packaging/debian/$script" "$root/DEBIAN/"; done
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" packaging/debian/control.in >"$root/DEBIAN/control"
gzip -9n <packaging/debian/changelog >"$root/usr/share/doc/meridian/changelog.gz"
# Reproducible: every file dated at the last commit.
stamp=$(git log -1 --format=%ct 2>/dev/null || date +%s)
find "$root" -exec touch -h -d "@$stamp" {} +
dpkg-deb --root-owner-group -Zxz --build "$root" "dist/meridian_${version}_amd64.deb" >/dev/null
echo "dist/meridian_${version}_amd64.deb ($(stat -c %s "dist/meridian_${version}_amd64.deb") bytes)"
