/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `cdmd --bus-introspect`: the introspection XML of the three interfaces, generated from the
 * same vtables the daemon registers (argument names from SD_BUS_METHOD_WITH_NAMES), so the
 * documentation test compares the contract with what really is on the bus.
 */

#include <stdio.h>
#include <string.h>

#include "bus-introspect.h"
#include "bus-names.h"
#include "migration-bus.h"
#include "objects-bus.h"

/* Split a D-Bus signature into single complete types. Return: length of the first type. */
static size_t type_len(const char *s)
{
        size_t n = 0;
        int depth = 0;

        do {
                if (s[n] == '(' || s[n] == '{')
                        depth++;
                else if (s[n] == ')' || s[n] == '}')
                        depth--;
                n++;
        } while (s[n] && (depth > 0 || s[n - 1] == 'a'));
        return n;
}

static void print_args(const char *sig, const char *names, const char *direction)
{
        const char *name = names && *names ? names : NULL;

        while (*sig) {
                size_t n = type_len(sig);

                printf("      <arg type=\"%.*s\"", (int) n, sig);
                if (name) {
                        printf(" name=\"%s\"", name);
                        name += strlen(name) + 1;
                        if (!*name)
                                name = NULL;
                }
                if (direction)
                        printf(" direction=\"%s\"", direction);
                printf("/>\n");
                sig += n;
        }
}

static void print_interface(const char *name, const sd_bus_vtable *v)
{
        printf("  <interface name=\"%s\">\n", name);
        for (; v->type != _SD_BUS_VTABLE_END; v++) {
                switch (v->type) {
                case _SD_BUS_VTABLE_METHOD: {
                        const char *in_names = v->x.method.names;
                        const char *out_names = in_names;

                        /* names holds the in names, then the out names, each NUL-terminated. */
                        for (const char *s = v->x.method.signature; *s; s += type_len(s))
                                out_names += strlen(out_names) + 1;
                        printf("    <method name=\"%s\">\n", v->x.method.member);
                        print_args(v->x.method.signature, in_names, "in");
                        print_args(v->x.method.result, out_names, "out");
                        printf("    </method>\n");
                        break;
                }
                case _SD_BUS_VTABLE_SIGNAL:
                        printf("    <signal name=\"%s\">\n", v->x.signal.member);
                        print_args(v->x.signal.signature, v->x.signal.names, NULL);
                        printf("    </signal>\n");
                        break;
                case _SD_BUS_VTABLE_PROPERTY:
                case _SD_BUS_VTABLE_WRITABLE_PROPERTY:
                        printf("    <property name=\"%s\" type=\"%s\" access=\"read\"/>\n",
                                        v->x.property.member, v->x.property.signature);
                        break;
                default:
                        break;
                }
        }
        printf("  </interface>\n");
}

int bus_introspect(void)
{
        printf("<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
               " \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n");
        print_interface(CDM_BUS_MANAGER, manager_vtable);
        print_interface(CDM_BUS_DEVICE, device_vtable);
        print_interface(CDM_BUS_JOB, job_vtable);
        print_interface(CDM_BUS_MIGRATION, migration_vtable);
        printf("</node>\n");
        return 0;
}
