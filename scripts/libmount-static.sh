#!/usr/bin/env bash
# Builds libmount.a and libblkid.a for the static binary from Debian's own
# util-linux source package, the version of the installed libmount1, so the
# static and the dynamic build use the same library. Debian ships no
# libmount.a.
#
#   scripts/libmount-static.sh OUTDIR
#
# OUTDIR/lib/libmount.a, OUTDIR/lib/libblkid.a and OUTDIR/include/ are the
# result; OUTDIR/.stamp names the version built, and a second run with the
# same version does nothing. The source files are fetched once through apt
# with a private sources list and state (the system's apt configuration is
# not touched), into WISHBOX_DEPS_CACHE (default OUTDIR/../deps-cache), and
# checked against the .dsc's SHA-256 sums on every build: with them cached, a
# build works offline.
set -euo pipefail

out=${1:?usage: libmount-static.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cache=${WISHBOX_DEPS_CACHE:-$(dirname "$out")/deps-cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

die() { echo "libmount-static: $*" >&2; exit 1; }

ver=$(dpkg-query -W -f='${source:Version}' libmount1 2>/dev/null) ||
    die "libmount1 is not installed (run 'make deps')"
src=$(dpkg-query -W -f='${source:Package}' libmount1)
[ "$src" = util-linux ] || die "libmount1 comes from '$src', not util-linux"
upver=${ver#*:}
upver=${upver%-*}
dsc_name="util-linux_${ver#*:}.dsc"

[ "$(cat "$out/.stamp" 2>/dev/null)" = "$ver" ] &&
    [ -f "$out/lib/libmount.a" ] && [ -f "$out/lib/libblkid.a" ] && exit 0

# The files the .dsc lists, with their sums: "SHA256 SIZE NAME" lines.
dsc_files() {
    awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print }' "$1"
}

verify() {
    local sum size name n=0
    while read -r sum size name; do
        [ -f "$cache/$name" ] || return 1
        [ "$(stat -c %s "$cache/$name")" = "$size" ] || return 1
        echo "$sum  $cache/$name" | sha256sum --quiet -c - >/dev/null 2>&1 || return 1
        n=$((n + 1))
    done < <(dsc_files "$cache/$dsc_name")
    [ "$n" -gt 0 ]
}

# apt-get source with a private sources list (deb-src lines for the Debian
# entries of the system's own list) and private lists and caches: apt checks
# the Release signature, the .dsc against Sources, the tarballs against the
# .dsc.
fetch() {
    local apt="$cache/apt" f
    rm -rf "$apt"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts" "$apt/dl"
    : > "$apt/sources.list"
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -n 's/^deb \(.*debian.*\)/deb-src \1/p' "$f" >> "$apt/sources.list"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # deb822 stanzas that name a Debian archive, as deb-src.
        awk 'BEGIN { RS = ""; ORS = "\n\n" } /URIs:[^\n]*debian/ {
                 gsub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" > "$apt/parts/$(basename "$f")"
    done
    [ -s "$apt/sources.list" ] || [ -n "$(find "$apt/parts" -type f -size +0)" ] ||
        die "no Debian archive in the system's apt sources"
    local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=$apt/parts"
        -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
        -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root" -q)
    echo "libmount-static: fetching util-linux $ver source from the Debian archive"
    apt-get "${opts[@]}" update >"$apt/update.log" 2>&1 ||
        { cat "$apt/update.log" >&2; die "apt-get update (private sources list) failed"; }
    (cd "$apt/dl" && apt-get "${opts[@]}" source --download-only "util-linux=$ver") \
        >"$apt/source.log" 2>&1 ||
        { cat "$apt/source.log" >&2; die "apt-get source util-linux=$ver failed"; }
    mv "$apt/dl"/* "$cache/"
    rm -rf "$apt"
}

if ! { [ -f "$cache/$dsc_name" ] && verify; }; then
    fetch
    verify || die "the util-linux $ver source does not match its .dsc's checksums"
fi

# Unpack: the upstream tarball, then Debian's patches in series order.
work="$out/src"
rm -rf "$work"
mkdir -p "$work"
orig=$(dsc_files "$cache/$dsc_name" | awk '$3 ~ /\.orig\.tar\./ { print $3 }')
deb=$(dsc_files "$cache/$dsc_name" | awk '$3 ~ /\.debian\.tar\./ { print $3 }')
[ -n "$orig" ] && [ -n "$deb" ] || die "$dsc_name names no orig and debian tarball"
tar -xf "$cache/$orig" -C "$work" --strip-components=1
tar -xf "$cache/$deb" -C "$work"
if [ -f "$work/debian/patches/series" ]; then
    while read -r p _; do
        case $p in '' | '#'*) continue ;; esac
        patch -s -p1 -d "$work" < "$work/debian/patches/$p" || die "patch $p does not apply"
    done < "$work/debian/patches/series"
fi

echo "libmount-static: building libmount.a and libblkid.a (util-linux $upver, Debian $ver)"
(
    cd "$work"
    ./configure -q --prefix="$out" --disable-all-programs --enable-libmount --enable-libblkid \
        --disable-shared --enable-static --without-selinux --without-udev --without-systemd \
        --without-python --disable-nls --disable-gtk-doc --disable-bash-completion \
        CFLAGS="-O2 -g0 -fPIC"
    make -s -j"$(nproc)" libblkid.la libmount.la
) >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; die "build failed (see $out/build.log)"; }

mkdir -p "$out/lib" "$out/include/libmount" "$out/include/blkid"
cp "$work/.libs/libmount.a" "$work/.libs/libblkid.a" "$out/lib/"
cp "$work/libmount/src/libmount.h" "$out/include/libmount/"
cp "$work/libblkid/src/blkid.h" "$out/include/blkid/"
rm -rf "$work"
echo "$ver" > "$out/.stamp"
