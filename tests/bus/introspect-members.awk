# SPDX-License-Identifier: LGPL-2.1-or-later
# D-Bus introspection XML (any layout, one or many <node>s) to the member lines of
# api-members.txt: "INTERFACE method NAME IN OUT", "INTERFACE property NAME TYPE",
# "INTERFACE signal NAME SIG". Only interfaces whose name starts with PREFIX (-v prefix=...).
BEGIN { RS = "<" }
function attr(s, name,    re, m) {
        re = name "=\"[^\"]*\""
        if (match(s, re)) { m = substr(s, RSTART, RLENGTH); sub(/^[^"]*"/, "", m); sub(/"$/, "", m); return m }
        re = name "='[^']*'"
        if (match(s, re)) { m = substr(s, RSTART, RLENGTH); sub(/^[^']*'/, "", m); sub(/'$/, "", m); return m }
        return ""
}
function flush() {
        if (kind == "method") print iface, "method", member, (in_sig == "" ? "-" : in_sig), (out_sig == "" ? "-" : out_sig)
        else if (kind == "signal") print iface, "signal", member, (in_sig == "" ? "-" : in_sig)
        kind = ""
}
{
        tag = $0
        gsub(/[\n\t]/, " ", tag)
        if (tag ~ /^interface[ >]/) { flush(); iface = attr(tag, "name"); keep = index(iface, prefix) == 1 }
        else if (tag ~ /^\/interface/) { flush(); keep = 0 }
        else if (!keep) next
        else if (tag ~ /^method[ >\/]/) { flush(); kind = "method"; member = attr(tag, "name"); in_sig = out_sig = "" }
        else if (tag ~ /^signal[ >\/]/) { flush(); kind = "signal"; member = attr(tag, "name"); in_sig = "" }
        else if (tag ~ /^\/(method|signal)/) flush()
        else if (tag ~ /^property[ >\/]/) { flush(); print iface, "property", attr(tag, "name"), attr(tag, "type") }
        else if (tag ~ /^arg[ >\/]/ && kind != "") {
                if (kind == "method" && attr(tag, "direction") == "out") out_sig = out_sig attr(tag, "type")
                else in_sig = in_sig attr(tag, "type")
        }
}
END { flush() }
