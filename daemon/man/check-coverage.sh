#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Check that the manual pages describe everything the code has:
#   org.cdmd.cdmd1.5  every D-Bus member of tests/bus/api-members.txt and of the daemon's own
#                     introspection (with its signature), and every named error the daemon
#                     sends; and nothing the daemon does not have
#   cdmctl.1          every verb of cdmctl's verb table (and of its --help), with the options
#                     of its usage line, and every option of cdmctl
#   cdmd.conf.5       every [section] and "key =" line of conf/cdmd.conf, commented or not,
#                     in its section, with its default unless the file calls the key required
#   cdmd.8            every option of "cdmd --help"
# The pages are rendered by groff first, so the check reads what a reader sees.
#
# Usage: check-coverage.sh [--source-dir DIR] [--man-dir DIR] [--conf FILE] [--members FILE]
#                          [--cdmd BINARY] [--cdmctl BINARY]
# Exit status: 0 when nothing is missing, 1 when something is (each named on stderr), 2 on a
# usage error or when a page cannot be rendered, 77 (skip) without groff unless CI is set.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
man_dir=$here
conf=
members=
cdmd=
cdmctl=

while [ $# -gt 0 ]; do
        case $1 in
        --source-dir) src=$2; shift 2 ;;
        --man-dir) man_dir=$2; shift 2 ;;
        --conf) conf=$2; shift 2 ;;
        --members) members=$2; shift 2 ;;
        --cdmd) cdmd=$2; shift 2 ;;
        --cdmctl) cdmctl=$2; shift 2 ;;
        *) echo "check-coverage: unknown argument '$1'" >&2; exit 2 ;;
        esac
done
conf=${conf:-$src/conf/cdmd.conf}
members=${members:-$src/tests/bus/api-members.txt}

if ! command -v groff >/dev/null 2>&1; then
        if [ -n "${CI-}" ]; then
                echo "check-coverage: groff is not installed (tests/install-deps.sh installs groff-base)" >&2
                exit 1
        fi
        echo "check-coverage: groff is not installed, skipping" >&2
        exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

missing=0
checked=0
miss() { echo "check-coverage: $*" >&2; missing=$((missing + 1)); }

# render PAGE: the page as plain text, lines not wrapped, nothing hyphenated.
render() {
        if ! groff -man -Tascii -rLL=400n -rHY=0 -P-cbou "$man_dir/$1" >"$tmp/$1.txt" 2>"$tmp/$1.err"; then
                echo "check-coverage: cannot render $1:" >&2
                cat "$tmp/$1.err" >&2
                exit 2
        fi
}

# section FILE HEADING: the lines of a top-level section (.SH) of a rendered page.
section() {
        awk -v h="$2" '/^[^ ]/ { on = ($0 == h); next } on' "$1"
}

for p in cdmd.8 cdmctl.1 cdmd.conf.5 org.cdmd.cdmd1.5; do
        [ -f "$man_dir/$p" ] || { echo "check-coverage: no page $man_dir/$p" >&2; exit 2; }
        render "$p"
done

# --- org.cdmd.cdmd1.5 --------------------------------------------------------------------
# The documented members, in the format of api-members.txt: each "INTERFACE <iface>" section
# has "Methods", "Properties" and "Signals" subsections whose tags are
#   Name(t arg, t arg) -> t out     Name(t arg)     Name type
# (mawk has no regular expression intervals: none are used in the awk programs here)
awk '
function sig(args,    n, i, parts, t, s) {
        s = ""
        n = split(args, parts, /, /)
        for (i = 1; i <= n; i++) {
                t = parts[i]
                sub(/ .*/, "", t)
                s = s t
        }
        return s == "" ? "-" : s
}
/^[^ ]/ { iface = kind = ""; if ($1 == "INTERFACE") iface = $2; next }
iface == "" { next }
/^   [^ ]/ { kind = $1; next }
!/^       [^ ]/ { next }
{
        line = substr($0, 8)
        if (kind == "Properties") {
                # "Name type", and the description when the tag is short enough to share
                # its line
                if (NF >= 2 && $1 ~ /^[A-Z][A-Za-z0-9]*$/)
                        print iface, "property", $1, $2
                next
        }
        p = index(line, "(")
        if (p == 0 || (kind != "Methods" && kind != "Signals"))
                next
        name = substr(line, 1, p - 1)
        depth = 0
        for (i = p; i <= length(line); i++) {
                c = substr(line, i, 1)
                if (c == "(") depth++
                else if (c == ")" && --depth == 0) break
        }
        args = substr(line, p + 1, i - p - 1)
        rest = substr(line, i + 1)
        if (kind == "Signals") {
                print iface, "signal", name, sig(args)
                next
        }
        out = "-"
        if (rest ~ /^ -> /) {
                out = substr(rest, 5)
                sub(/ .*/, "", out)
        }
        print iface, "method", name, sig(args), out
}' "$tmp/org.cdmd.cdmd1.5.txt" | sort -u >"$tmp/documented"

# What must be there: the contract's list (milestone markers dropped), and what the daemon
# really serves when the binary is given.
sed -e 's/#.*//' -e 's/^later //' -e '/^[[:space:]]*$/d' "$members" >"$tmp/required"
if [ -n "$cdmd" ]; then
        "$cdmd" --bus-introspect >"$tmp/introspect.xml" ||
                { echo "check-coverage: $cdmd --bus-introspect failed" >&2; exit 2; }
        awk -v prefix=org.cdmd.cdmd1. -f "$src/tests/bus/introspect-members.awk" "$tmp/introspect.xml" \
                >>"$tmp/required"
fi
sed 's/[[:space:]][[:space:]]*/ /g; s/ $//' "$tmp/required" | sort -u >"$tmp/required.sorted"

# A member documented with another signature shows up as missing and as extra.
comm -23 "$tmp/required.sorted" "$tmp/documented" >"$tmp/absent"
comm -13 "$tmp/required.sorted" "$tmp/documented" >"$tmp/extra"
while read -r iface kind name a b; do
        miss "org.cdmd.cdmd1.5: $kind $iface.$name ($a${b:+ -> $b}) is not documented"
done <"$tmp/absent"
while read -r iface kind name a b; do
        miss "org.cdmd.cdmd1.5: documents $kind $iface.$name ($a${b:+ -> $b}), which the daemon does not have"
done <"$tmp/extra"
checked=$((checked + $(wc -l <"$tmp/required.sorted")))

# Every named error the daemon can send, as a tag of ERRORS.
section "$tmp/org.cdmd.cdmd1.5.txt" ERRORS | sed -n 's/^       \([^ ][^ ]*\)$/\1/p' >"$tmp/errors"
for e in $(cat "$src"/daemon/*.c | sed -n 's/.*CDM_BUS_ERROR("\([A-Za-z]*\)").*/\1/p' | sort -u) \
        org.freedesktop.DBus.Error.AccessDenied; do
        case $e in org.*) ;; *) e=org.cdmd.cdmd1.Error.$e ;; esac
        checked=$((checked + 1))
        grep -qxF "$e" "$tmp/errors" || miss "org.cdmd.cdmd1.5: error $e is not in ERRORS"
done

# --- cdmctl.1 ----------------------------------------------------------------------------
# The verb table of cdmctl.c: { "name", min, max, options, required, function, "usage" }.
sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)", [0-9][0-9]*, [0-9][0-9]*,.*/\1/p' "$src/daemon/cdmctl/cdmctl.c" \
        >"$tmp/verbs"
[ -s "$tmp/verbs" ] || { echo "check-coverage: found no verb table in daemon/cdmctl/cdmctl.c" >&2; exit 2; }
if [ -n "$cdmctl" ]; then
        "$cdmctl" --help | awk '/^Verbs:/ { on = 1; next } /^[^ ]/ { on = 0 } on' |
                sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' >>"$tmp/verbs"
fi
section "$tmp/cdmctl.1.txt" VERBS | grep '^       [^ ]' | sed 's/^       //' >"$tmp/verb-tags"
for v in $(sort -u "$tmp/verbs"); do
        checked=$((checked + 1))
        tag=$(awk -v v="$v" '$1 == v { print; exit }' "$tmp/verb-tags")
        if [ -z "$tag" ]; then
                miss "cdmctl.1: verb '$v' is not in VERBS"
                continue
        fi
        # The options of the verb's usage string must be in its tag.
        usage=$(sed -n "s/^[[:space:]]*{ \"$v\", .*\"\\([^\"]*\\)\" },\$/\\1/p" "$src/daemon/cdmctl/cdmctl.c")
        [ -n "$usage" ] || usage=$(sed -n "/{ \"$v\", /,/},/p" "$src/daemon/cdmctl/cdmctl.c" | tr '\n' ' ' |
                sed -n 's/.*"\([^"]*\)" *}, *$/\1/p')
        for o in $(printf '%s\n' "$usage" | grep -o -- '--[a-z][a-z-]*' || true); do
                checked=$((checked + 1))
                printf '%s\n' "$tag" | grep -q -- "$o\\b" || miss "cdmctl.1: verb '$v' is shown without $o"
        done
done

# Every option of cdmctl (its option table, and --help), as a tag of OPTIONS.
{
        sed -n 's/^[[:space:]]*\(FLAG\|VALUE\)("\([a-z][a-z-]*\)".*/--\2/p' "$src/daemon/cdmctl/cdmctl-args.c"
        [ -z "$cdmctl" ] || "$cdmctl" --help | awk '/^Options:/ { on = 1; next } /^[^ ]/ { on = 0 } on' |
                grep -o -- '\(^\| \)--\{0,1\}[a-zA-Z][a-z-]*' | sed 's/^ //'
} | sort -u >"$tmp/cdmctl-options"
section "$tmp/cdmctl.1.txt" OPTIONS | grep '^       [^ ]' >"$tmp/cdmctl-option-tags"
while read -r o; do
        checked=$((checked + 1))
        grep -q -- "\\(^\\|[ ,]\\)$o\\([ =,]\\|\$\\)" "$tmp/cdmctl-option-tags" ||
                miss "cdmctl.1: option $o is not in OPTIONS"
done <"$tmp/cdmctl-options"

# --- cdmd.conf.5 -------------------------------------------------------------------------
# conf/cdmd.conf, commented or not: "[section]" or "[section NAME]" headers and "key = value"
# lines; a key is required (no default) when a comment since the previous key says so.
awk '
{ line = $0; sub(/^[;#][[:space:]]*/, "", line) }
line ~ /^\[[a-z]+( [^]]*)?\]/ {
        s = line; sub(/^\[/, "", s); sub(/[] ].*/, "", s)
        named = (line ~ /^\[[a-z]+ /)
        print "section", s, named
        required = 0
        next
}
/^[;#]/ && line !~ /^[a-z_]+[[:space:]]*=/ { if (line ~ /\(required\)/) required = 1; next }
line ~ /^[a-z_]+[[:space:]]*=/ {
        k = line; sub(/[[:space:]]*=.*/, "", k)
        v = line; sub(/^[^=]*=[[:space:]]*/, "", v); sub(/[[:space:]]*([;#].*)?$/, "", v)
        print "key", s, k, required, v
        required = 0
}' "$conf" >"$tmp/conf-items"

# The rendered OPTIONS of cdmd.conf.5 as "section KEY" and "key SECTION NAME default-text".
section "$tmp/cdmd.conf.5.txt" OPTIONS | awk '
function flush() { if (k != "") print "key", s, k, text; k = "" }
/^   \[/ {
        flush()
        s = $0; sub(/^   \[/, "", s); named = (s ~ / /); sub(/[] ].*/, "", s)
        print "section", s, named
        next
}
{ match($0, /^ */) }
RLENGTH <= 7 && $0 != "" { flush() }
/^       [a-z_]+ = / { k = $1; text = ""; next }
k != "" { text = text " " $0 }
END { flush() }' >"$tmp/conf-doc"

while read -r what s a b c; do
        checked=$((checked + 1))
        if [ "$what" = section ]; then
                [ "$a" = 1 ] && shown="[$s NAME]" || shown="[$s]"
                grep -qx "section $s $a" "$tmp/conf-doc" || miss "cdmd.conf.5: section $shown is not in OPTIONS"
                continue
        fi
        # key SECTION KEY REQUIRED DEFAULT
        entry=$(awk -v s="$s" -v k="$a" '$1 == "key" && $2 == s && $3 == k { $1 = $2 = $3 = ""; print; exit }' \
                "$tmp/conf-doc")
        if ! awk -v s="$s" -v k="$a" '$1 == "key" && $2 == s && $3 == k { f = 1 } END { exit !f }' "$tmp/conf-doc"; then
                miss "cdmd.conf.5: key '$a' of [$s] is not documented there"
                continue
        fi
        [ "$b" = 1 ] && continue
        want=${c:-empty}
        printf '%s\n' "$entry" | grep -qF "Default: $want" ||
                miss "cdmd.conf.5: key '$a' of [$s] does not say 'Default: $want'"
done <"$tmp/conf-items"

# --- cdmd.8 ------------------------------------------------------------------------------
if [ -n "$cdmd" ]; then
        "$cdmd" --help >"$tmp/cdmd-help" || { echo "check-coverage: $cdmd --help failed" >&2; exit 2; }
        grep -o -- '\(^\| \)--\{0,1\}[a-zA-Z][a-z-]*' "$tmp/cdmd-help" | sed 's/^ //' | sort -u >"$tmp/cdmd-options"
        [ -s "$tmp/cdmd-options" ] || { echo "check-coverage: no options in cdmd --help" >&2; exit 2; }
        section "$tmp/cdmd.8.txt" OPTIONS | grep '^       [^ ]' >"$tmp/cdmd-option-tags"
        while read -r o; do
                checked=$((checked + 1))
                grep -q -- "\\(^\\|[ ,]\\)$o\\([ =,]\\|\$\\)" "$tmp/cdmd-option-tags" ||
                        miss "cdmd.8: option $o (from cdmd --help) is not in OPTIONS"
        done <"$tmp/cdmd-options"
else
        echo "check-coverage: no --cdmd given, cdmd's options and its introspection are not checked" >&2
fi

if [ "$missing" -gt 0 ]; then
        echo "check-coverage: $missing of $checked items missing from the manual pages" >&2
        exit 1
fi
echo "check-coverage: all $checked items documented"
