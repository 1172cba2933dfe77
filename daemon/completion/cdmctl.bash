# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# bash completion for cdmctl(1): verbs, the options of each verb, and device names and job ids
# asked of the running cdmd (nothing, quietly, when it is not there).

_cdmctl_verbs="status devices device jobs job grant revoke set-quota set-policy migrate drain fault resume audit plan moves reload monitor"
_cdmctl_global_options="--json --no-legend --help -h --version"
# Options that take a value (as "--opt VALUE" or "--opt=VALUE").
_cdmctl_value_options="--cgroup --device --size --policy --to --reason"
_cdmctl_policies="manual device-first tiered"

# _cdmctl_verb_options VERB: the options only that verb takes.
_cdmctl_verb_options() {
        case $1 in
        grant) echo "--cgroup --device --size --policy" ;;
        migrate) echo "--to --size --no-wait" ;;
        revoke) echo "--no-wait" ;;
        drain | fault) echo "--reason" ;;
        esac
}

# _cdmctl_ask VERB: the first column of "cdmctl --no-legend VERB", or nothing. A daemon that
# does not answer within two seconds is treated as absent.
_cdmctl_ask() {
        local -a run=(command cdmctl --no-legend "$1")

        if type -P timeout >/dev/null 2>&1; then
                run=(timeout 2 cdmctl --no-legend "$1")
        fi
        "${run[@]}" 2>/dev/null </dev/null | while read -r first _; do
                [ -n "$first" ] && printf '%s\n' "$first"
        done
        return 0
}

_cdmctl_devices() { _cdmctl_ask devices; }
_cdmctl_jobs() { _cdmctl_ask jobs; }

# _cdmctl_cgroups CUR: cgroup directories below the cgroup2 root, as absolute paths below it.
_cdmctl_cgroups() {
        local root=${CDMCTL_CGROUP_ROOT:-/sys/fs/cgroup} cur=$1 d

        [ -d "$root" ] || return 0
        [ -z "$cur" ] && cur=/
        [[ $cur == /* ]] || cur=/$cur
        while IFS= read -r d; do
                printf '%s/\n' "${d#"$root"}"
        done < <(compgen -d -- "$root$cur" 2>/dev/null)
}

# _cdmctl_set WORDS CUR: COMPREPLY = the words (separated by blanks) that start with CUR.
_cdmctl_set() {
        local out

        out=$(compgen -W "$1" -- "$2")
        local IFS=$'\n'
        # shellcheck disable=SC2206 # one candidate per line, split on newlines only
        COMPREPLY=($out)
}

_cdmctl() {
        local cur=${COMP_WORDS[COMP_CWORD]} prev='' opt='' verb='' word
        local -i i nargs=0 ends=0

        ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
        COMPREPLY=()

        # Find the verb and count its arguments, skipping options and their values. "=" is in
        # COMP_WORDBREAKS, so "--device=gpu0" arrives as "--device" "=" "gpu0".
        for ((i = 1; i < COMP_CWORD; i++)); do
                word=${COMP_WORDS[i]}
                if ((ends == 0)); then
                        if [[ $word == -- ]]; then
                                ends=1
                                continue
                        fi
                        if [[ $word == -* ]]; then
                                if [[ " $_cdmctl_value_options " == *" ${word%%=*} "* && $word != *=* ]]; then
                                        if [[ ${COMP_WORDS[i + 1]-} == = ]]; then
                                                ((i += 2))
                                        else
                                                ((i += 1))
                                        fi
                                fi
                                continue
                        fi
                fi
                if [ -z "$verb" ]; then
                        verb=$word
                else
                        nargs+=1
                fi
        done

        # The value of an option: "--opt VALUE", "--opt=VALUE" (split or not).
        if ((ends == 0)); then
                if [[ $cur == = ]]; then
                        opt=$prev
                        cur=
                elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
                        opt=${COMP_WORDS[COMP_CWORD - 2]}
                elif [[ $cur == --*=* ]]; then
                        opt=${cur%%=*}
                        cur=${cur#*=}
                elif [[ " $_cdmctl_value_options " == *" $prev "* ]]; then
                        opt=$prev
                fi
        fi
        if [ -n "$opt" ]; then
                case $opt in
                --device) _cdmctl_set "$(_cdmctl_devices)" "$cur" ;;
                --to) _cdmctl_set "$(_cdmctl_devices; echo system)" "$cur" ;;
                --policy) _cdmctl_set "$_cdmctl_policies" "$cur" ;;
                --cgroup)
                        # Directories, which may have blanks in their names: one per line.
                        mapfile -t COMPREPLY < <(_cdmctl_cgroups "$cur")
                        compopt -o nospace 2>/dev/null
                        ;;
                esac
                [[ " $_cdmctl_value_options " == *" $opt "* ]] && return 0
        fi

        if ((ends == 0)) && [[ $cur == -* ]]; then
                _cdmctl_set "$_cdmctl_global_options $(_cdmctl_verb_options "$verb")" "$cur"
                return 0
        fi

        if [ -z "$verb" ]; then
                _cdmctl_set "$_cdmctl_verbs" "$cur"
                return 0
        fi
        case $verb:$nargs in
        device:0 | drain:0 | fault:0 | resume:0) _cdmctl_set "$(_cdmctl_devices)" "$cur" ;;
        job:0 | revoke:0 | set-quota:0 | set-policy:0 | migrate:0) _cdmctl_set "$(_cdmctl_jobs)" "$cur" ;;
        set-policy:1) _cdmctl_set "$_cdmctl_policies" "$cur" ;;
        esac
        return 0
}

complete -F _cdmctl cdmctl
