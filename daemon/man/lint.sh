#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Lint manual pages: groff with every warning on, mandoc's linter when it is installed, and
# man-db's rendering at 80 columns as lintian runs it when man is installed. Any output is a
# failure. Without groff the check is skipped (77), or fails when CI is set.
# Usage: lint.sh PAGE...
set -u

if ! command -v groff >/dev/null 2>&1; then
        if [ -n "${CI-}" ]; then
                echo "lint: groff is not installed (tests/install-deps.sh installs groff-base)" >&2
                exit 1
        fi
        echo "lint: groff is not installed, skipping" >&2
        exit 77
fi

failed=0
report() { # report PAGE TOOL OUTPUT
        if [ -n "$3" ]; then
                echo "lint: $1: $2:" >&2
                printf '%s\n' "$3" | sed 's/^/    /' >&2
                failed=1
        fi
}

for page in "$@"; do
        if [ ! -r "$page" ]; then
                echo "lint: cannot read $page" >&2
                failed=1
                continue
        fi
        report "$page" "groff -man -ww -z" "$(groff -man -ww -z "$page" 2>&1)"
        if command -v mandoc >/dev/null 2>&1; then
                report "$page" "mandoc -Tlint" "$(mandoc -Tlint -Wwarning "$page" 2>&1)"
        fi
        if command -v man >/dev/null 2>&1; then
                report "$page" "man --warnings" "$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
                        man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)"
        fi
        head -n 1 "$page" | grep -q '^\.\\" SPDX-License-Identifier: ' ||
                report "$page" "header" "the first line is not the SPDX-License-Identifier comment"
done
[ "$failed" -eq 0 ] && echo "lint: $# pages clean"
exit "$failed"
