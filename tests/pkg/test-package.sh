#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build the Debian package and check it without installing it: the files and their
# contents, the control fields, the conffiles, and lintian (errors fail, warnings are shown).
# With CDMD_PKG_INSTALL_TEST=1 (as root, on a machine that may be changed) it also installs,
# removes and purges the package.
set -eu

: "${CDM_BINARY_DIR:?}" "${CDM_SOURCE_DIR:?}" "${CDM_VERSION:?}" "${CDM_LIBDIR:?}"
: "${CDM_SYSTEMD_UNITDIR:?}" "${CDM_PREFIX:?}"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

for tool in dpkg-deb dpkg-shlibdeps lintian; do
        command -v "$tool" >/dev/null || skip "$tool is not installed (tests/install-deps.sh)"
done
[ "${CDM_INSTRUMENTED:-0}" = 0 ] || skip "sanitizer and fuzzer builds are not packaged"
[ "$CDM_PREFIX" = /usr ] || skip "the build is for $CDM_PREFIX; the package needs -DCMAKE_INSTALL_PREFIX=/usr"

arch=$(dpkg --print-architecture)
deb="$CDM_BINARY_DIR/cdmd_${CDM_VERSION}_${arch}.deb"
rm -f "$deb" "$CDM_BINARY_DIR/cdmd-deb.path"
cmake --build "$CDM_BINARY_DIR" --target package
[ -f "$deb" ] || fail "the package target did not write $deb"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -c "$deb" >"$tmp/contents"
# Paths without the leading "./", directories left out; symlinks as "path -> target".
awk '$1 !~ /^d/ { p = $6; for (i = 7; i <= NF; i++) p = p " " $i; sub(/^\.\//, "", p); print p }' \
        "$tmp/contents" >"$tmp/files"
echo "--- files of $deb"
cat "$tmp/files"

has() { grep -qxF "$1" "$tmp/files" || fail "the package lacks $1"; }
unitdir=${CDM_SYSTEMD_UNITDIR#/}
libdir=usr/$CDM_LIBDIR

has usr/sbin/cdmd
has usr/bin/cdmctl
has "$libdir/libcdm.so.1 -> libcdm.so.1.0.0"
has "$libdir/libcdm.so.1.0.0"
has "$unitdir/cdmd.service"
has usr/share/dbus-1/system.d/org.cdmd.cdmd1.conf
has usr/share/dbus-1/system-services/org.cdmd.cdmd1.service
has etc/cdmd/cdmd.conf
has usr/share/doc/cdmd/copyright
has usr/share/doc/cdmd/changelog.gz
has usr/libexec/cdmd/cdmd-prolog
has usr/libexec/cdmd/cdmd-epilog
if grep -q 'add_subdirectory(spank)' "$CDM_SOURCE_DIR/daemon/CMakeLists.txt" && [ -f /usr/include/slurm/spank.h ]; then
        has "$libdir/slurm-wlm/cdmd_spank.so"
fi
if [ -d "$CDM_SOURCE_DIR/daemon/man" ]; then
        for page in "$CDM_SOURCE_DIR"/daemon/man/*.[1-8]; do
                [ -e "$page" ] || continue
                name=${page##*/}
                has "usr/share/man/man${name##*.}/$name.gz"
        done
fi

# Nothing else: no static or internal libraries, no test, fuzz or bench programs.
grep -vE "^(usr/sbin/cdmd|usr/bin/cdmctl|$libdir/libcdm\.so(\.[0-9.]+)?( -> .*)?|usr/include/cdm/[^/]+\.h|$unitdir/cdmd\.service|usr/share/dbus-1/(system\.d/org\.cdmd\.cdmd1\.conf|system-services/org\.cdmd\.cdmd1\.service)|etc/cdmd/cdmd\.conf|usr/share/doc/cdmd/(copyright|changelog\.gz)|usr/share/man/man[1-8]/[^/]+\.[1-8]\.gz|usr/share/bash-completion/completions/cdmctl|usr/libexec/cdmd/cdmd-(prolog|epilog)|$libdir/slurm-wlm/cdmd_spank\.so)$" \
        "$tmp/files" >"$tmp/extra" || true
[ ! -s "$tmp/extra" ] || fail "unexpected files in the package: $(tr '\n' ' ' <"$tmp/extra")"

# The installed files point at the installed program.
dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$tmp" "./$unitdir/cdmd.service" \
        ./usr/share/dbus-1/system-services/org.cdmd.cdmd1.service
unit="$tmp/$unitdir/cdmd.service"
grep -qx 'ExecStart=/usr/sbin/cdmd' "$unit" || fail "cdmd.service: no ExecStart=/usr/sbin/cdmd"
grep -qx 'ExecStartPre=/usr/sbin/cdmd --check-config' "$unit" || fail "cdmd.service: no ExecStartPre=/usr/sbin/cdmd --check-config"
grep -qx 'Type=notify' "$unit" || fail "cdmd.service: not Type=notify"
grep -qx 'StateDirectory=cdmd' "$unit" || fail "cdmd.service: no StateDirectory=cdmd"
if grep -n '@[A-Z_]*@' "$unit"; then fail "cdmd.service: unreplaced @VARIABLE@"; fi
grep -qx 'SystemdService=dbus-org.cdmd.cdmd1.service' "$tmp/usr/share/dbus-1/system-services/org.cdmd.cdmd1.service" ||
        fail "org.cdmd.cdmd1.service: no SystemdService="
# The compiled-in configuration path is the installed one.
dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$tmp" ./usr/sbin/cdmd
grep -qF /etc/cdmd/cdmd.conf "$tmp/usr/sbin/cdmd" || fail "cdmd does not default to /etc/cdmd/cdmd.conf"
grep -qF /var/lib/cdmd "$tmp/usr/sbin/cdmd" || fail "cdmd does not default to /var/lib/cdmd"

echo "--- control"
dpkg-deb -I "$deb"
depends=$(dpkg-deb -f "$deb" Depends)
[ -n "$depends" ] || fail "empty Depends"
echo "$depends" | grep -q 'libsystemd0' || fail "Depends lacks libsystemd0: $depends"
echo "$depends" | grep -qE '(^|, )dbus($|[ ,])' || fail "Depends lacks dbus: $depends"
[ "$(dpkg-deb -f "$deb" Section)" = admin ] || fail "Section is not admin"
dpkg-deb --ctrl-tarfile "$deb" | tar -xf - -C "$tmp" ./conffiles ./triggers ./postinst ./prerm ./postrm
grep -qx /etc/cdmd/cdmd.conf "$tmp/conffiles" || fail "/etc/cdmd/cdmd.conf is not a conffile"
grep -qx 'activate-noawait ldconfig' "$tmp/triggers" || fail "no ldconfig trigger"
for s in postinst prerm postrm; do
        [ -x "$tmp/$s" ] || fail "$s is not executable"
        sh -n "$tmp/$s" || fail "$s: syntax error"
done

echo "--- lintian"
# lintian exits non-zero for errors; its output decides here, so that warnings never fail.
lintian --display-level '>=pedantic' "$deb" >"$tmp/lintian" 2>&1 || true
cat "$tmp/lintian"
if grep -q '^E: ' "$tmp/lintian"; then
        fail "lintian reports errors"
fi

if [ "${CDMD_PKG_INSTALL_TEST:-0}" = 1 ]; then
        echo "--- install, remove, purge"
        [ "$(id -u)" -eq 0 ] || fail "CDMD_PKG_INSTALL_TEST=1 needs root"
        dpkg -i "$deb"
        dpkg-query -W -f='${Status}\n' cdmd | grep -qx 'install ok installed' || fail "not installed"
        for f in /usr/sbin/cdmd /usr/bin/cdmctl "/$libdir/libcdm.so.1" "/$unitdir/cdmd.service" \
                        /etc/cdmd/cdmd.conf; do
                [ -e "$f" ] || fail "installed package lacks $f"
        done
        ldconfig -p | grep -q 'libcdm\.so\.1 ' || fail "libcdm.so.1 not in the linker cache"
        /usr/sbin/cdmd --check-config || fail "cdmd --check-config of the installed configuration"
        dpkg -r cdmd
        [ ! -e /usr/sbin/cdmd ] || fail "/usr/sbin/cdmd left after remove"
        [ -e /etc/cdmd/cdmd.conf ] || fail "remove took the conffile"
        dpkg -P cdmd
        [ ! -e /etc/cdmd ] || fail "/etc/cdmd left after purge"
        [ ! -e /var/lib/cdmd ] || fail "/var/lib/cdmd left after purge"
        [ ! -e /etc/systemd/system/multi-user.target.wants/cdmd.service ] || fail "enable symlink left after purge"
fi

printf '%s\n' "$deb" >"$CDM_BINARY_DIR/cdmd-deb.path"
echo "package/deb: $deb"
