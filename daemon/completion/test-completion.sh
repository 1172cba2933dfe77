#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Test the bash completion of cdmctl: a stub cdmctl first in PATH plays the daemon (or its
# absence), COMP_WORDS/COMP_CWORD are set as bash sets them, and COMPREPLY is compared.
# Also checks that the completion knows exactly the verbs of cdmctl's verb table and, per
# verb, the options of its usage line.
# Usage: test-completion.sh COMPLETION-FILE CDMCTL.C
set -u

completion=${1:?usage: test-completion.sh COMPLETION-FILE CDMCTL.C}
verb_table=${2:?usage: test-completion.sh COMPLETION-FILE CDMCTL.C}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ -n "${2-}" ] && printf '#   %s\n' "$2"; }

# The stub: CDMCTL_STUB=absent behaves as cdmctl does without a daemon (exit 3).
mkdir "$tmp/bin"
cat >"$tmp/bin/cdmctl" <<'STUB'
#!/bin/sh
if [ "${CDMCTL_STUB-}" = absent ]; then
        echo "cdmctl: cdmd is not reachable: org.freedesktop.DBus.Error.ServiceUnknown: ..." >&2
        exit 3
fi
case "$*" in
"--no-legend devices")
        echo "gpu0   gpu  online 1    96.0G 90.1G"
        echo "cxl-a  cxl  online 2-3  64.0G 64.0G" ;;
"--no-legend jobs")
        echo "slurm-4242 gpu0 64.0G 1.2G active /system.slice/slurmstepd.scope/job_4242"
        echo "inference  gpu0  4.0G 0B   active /system.slice/inference.service" ;;
*) exit 2 ;;
esac
STUB
chmod +x "$tmp/bin/cdmctl"
PATH=$tmp/bin:$PATH
mkdir -p "$tmp/cgroup/system.slice/inference.service" "$tmp/cgroup/user.slice"
export CDMCTL_CGROUP_ROOT=$tmp/cgroup

# shellcheck source=daemon/completion/cdmctl.bash
. "$completion" || { echo "not ok - cannot source $completion"; exit 1; }
if complete -p cdmctl >/dev/null 2>&1; then
        ok "complete -F is registered for cdmctl"
else
        not_ok "complete -F is registered for cdmctl"
fi

# complete WORD...: the command line, the last word being completed; prints COMPREPLY sorted.
complete_words() {
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _cdmctl cdmctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]-}"
        printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect "WANT" WORD...: COMPREPLY is exactly WANT (sorted, space separated).
expect() {
        local want=$1 got
        shift
        got=$(complete_words "$@" 2>"$tmp/stderr")
        if [ "$got" = "$want" ] && [ ! -s "$tmp/stderr" ]; then
                ok "cdmctl ${*:2}| -> ${want:-nothing}"
        else
                not_ok "cdmctl ${*:2}| -> ${want:-nothing}" "got '$got'$( [ -s "$tmp/stderr" ] && printf ' and stderr: %s' "$(cat "$tmp/stderr")")"
        fi
}

# Verbs: exactly those of the verb table in cdmctl.c.
table_verbs=$(sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)", [0-9][0-9]*, [0-9][0-9]*,.*/\1/p' "$verb_table" | sort | tr '\n' ' ' | sed 's/ $//')
[ -n "$table_verbs" ] || not_ok "found the verb table in $verb_table"
expect "$table_verbs" cdmctl ""
expect "grant" cdmctl gr
expect "device devices" cdmctl --json dev
expect "set-policy set-quota" cdmctl --no-legend set-

# Options: global ones, and the verb's own.
expect "--json" cdmctl --j
expect "--cgroup --device --help --json --no-legend --policy --size --version -h" cdmctl grant slurm-1 -
expect "--size" cdmctl migrate slurm-4242 --to gpu0 --s
expect "--reason" cdmctl fault gpu0 --r
expect "--help --json --no-legend --no-wait --version -h" cdmctl revoke slurm-4242 -

# Values: device names and job ids from the daemon, policies, targets, cgroups.
expect "cxl-a gpu0" cdmctl grant slurm-1 --device ""
expect "gpu0" cdmctl grant slurm-1 --device = g
expect "cxl-a gpu0" cdmctl drain ""
expect "cxl-a" cdmctl resume c
expect "cxl-a gpu0 system" cdmctl migrate slurm-4242 --to ""
expect "inference slurm-4242" cdmctl revoke ""
expect "slurm-4242" cdmctl --json job sl
expect "device-first" cdmctl set-policy slurm-4242 d
expect "manual" cdmctl grant x --cgroup /system.slice --policy m
expect "/system.slice/ /user.slice/" cdmctl grant x --cgroup ""
expect "/system.slice/inference.service/" cdmctl grant x --cgroup /system.slice/i
expect "" cdmctl grant x --size ""
expect "" cdmctl device gpu0 ""
expect "" cdmctl status ""

# No daemon: nothing, and nothing on stderr.
export CDMCTL_STUB=absent
expect "" cdmctl device ""
expect "" cdmctl revoke s
expect "system" cdmctl migrate slurm-4242 --to ""
unset CDMCTL_STUB

# Per verb, the options of its usage line in the verb table are exactly what is offered.
while IFS= read -r line; do
        verb=$(printf '%s\n' "$line" | sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)", .*/\1/p')
        [ -n "$verb" ] || continue
        usage=$(printf '%s\n' "$line" | sed -n 's/.*"\([^"]*\)" },[[:space:]]*$/\1/p')
        [ -n "$usage" ] || usage=$(sed -n "/{ \"$verb\", /,/},/p" "$verb_table" | tr '\n' ' ' |
                sed -n 's/.*"\([^"]*\)" *}, *$/\1/p')
        want=$(printf '%s\n' "$usage" | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ' | sed 's/ $//')
        got=$(_cdmctl_verb_options "$verb" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//')
        if [ "$got" = "$want" ]; then
                ok "options of '$verb' as in the verb table${want:+ ($want)}"
        else
                not_ok "options of '$verb' as in the verb table" "table: '$want', completion: '$got'"
        fi
done <"$verb_table"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
