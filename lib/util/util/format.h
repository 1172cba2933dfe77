/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FORMAT_BYTES_MAX 16

/* "0", "512B", "1.5K", "96.0G" (powers of 1024). Returns @buf. */
char *format_bytes(char *buf, size_t size, uint64_t bytes);
