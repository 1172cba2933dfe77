/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "config.h"

int cdm_config_parse_string(cdm_config *c, const char *text, size_t len, const char *filename,
                char **errors, unsigned *n_errors);
int cdm_config_load(const char *path, bool must_exist, cdm_config **ret, char **ret_errors);
