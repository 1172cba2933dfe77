/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Node lists come from sysfs, cgroupfs and the configuration: parse, format, parse again. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cdm/cdm.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        cdm_nodemask m, m2;
        char *s;

        if (cdm_nodemask_parse((const char *) data, size, &m) < 0)
                return 0;
        s = cdm_nodemask_format(&m);
        if (!s)
                return 0;
        /* What we print, we must read back identically. */
        if (cdm_nodemask_parse(s, strlen(s), &m2) < 0 || memcmp(&m, &m2, sizeof(m)) != 0)
                abort();
        free(s);
        return 0;
}
