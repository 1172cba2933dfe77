/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/*
 * A growable string. Appends never fail from the caller's point of view: an allocation
 * failure sets ->oom, later appends are no-ops, and strbuf_steal() then returns NULL.
 */
typedef struct strbuf {
        char *s;
        size_t len;
        size_t size;
        bool oom;
} strbuf;

#define STRBUF_NULL ((strbuf){ 0 })

void strbuf_done(strbuf *b);
void strbuf_append(strbuf *b, const char *s);
void strbuf_appendn(strbuf *b, const char *s, size_t n);
_printf_(2, 3) void strbuf_printf(strbuf *b, const char *fmt, ...);
void strbuf_append_json_string(strbuf *b, const char *s);
char *strbuf_steal(strbuf *b);
