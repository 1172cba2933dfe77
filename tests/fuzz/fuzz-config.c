/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Configuration text: parse, validate, and when valid, dump and parse the dump again. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config-ini.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        cdm_config *c = NULL, *c2 = NULL;
        char *errors = NULL, *dump;
        unsigned n = 0;

        if (size > 65536 || cdm_config_new(&c) < 0)
                return 0;
        if (cdm_config_parse_string(c, (const char *) data, size, "fuzz.conf", &errors, &n) == 0 &&
                        cdm_config_validate(c, NULL) == 0) {
                dump = cdm_config_dump(c);
                if (dump && cdm_config_new(&c2) >= 0) {
                        free(errors);
                        errors = NULL;
                        n = 0;
                        if (cdm_config_parse_string(c2, dump, strlen(dump), "dump.conf", &errors, &n) < 0)
                                abort(); /* what we dump, we must read */
                        cdm_config_free(c2);
                }
                free(dump);
        }
        free(errors);
        cdm_config_free(c);
        return 0;
}
