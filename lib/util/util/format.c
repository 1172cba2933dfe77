/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Human-readable sizes for tables; JSON always carries exact bytes. */

#include <stdio.h>

#include "format.h"

char *format_bytes(char *buf, size_t size, uint64_t bytes)
{
        static const char units[] = "KMGTPE";
        unsigned i = 0;
        uint64_t div = 1024;

        if (bytes < 1024) {
                (void) snprintf(buf, size, "%lluB", (unsigned long long) bytes);
                return buf;
        }
        while (i + 1 < sizeof(units) - 1 && bytes / div >= 1024) {
                div *= 1024;
                i++;
        }
        /* One decimal, rounded down so that a size is never shown larger than it is. */
        (void) snprintf(buf, size, "%llu.%llu%c", (unsigned long long) (bytes / div),
                        (unsigned long long) ((bytes % div) * 10 / div), units[i]);
        return buf;
}
