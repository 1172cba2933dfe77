/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

int safe_atou64(const char *s, uint64_t *ret);
int safe_atou64_hex(const char *s, uint64_t *ret);
int safe_atou32(const char *s, uint32_t *ret);
/* Digits only, as printf("%u") writes them: no space, sign, leading zero or trailing newline. */
int parse_decimal_u32(const char *s, uint32_t *ret);
int parse_size(const char *s, uint64_t *ret);
int parse_duration_usec(const char *s, uint64_t *ret);
int parse_boolean(const char *s);
const char *skip_space(const char *s);
