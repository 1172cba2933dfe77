/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "util/macro.h"

void log_set_max_level(int level);
int log_get_max_level(void);
_printf_(2, 3) int log_full(int level, const char *fmt, ...);
/* log at @level and return @r (negative errno), so that "return log_error_errno(r, ...)". */
_printf_(3, 4) int log_full_errno(int level, int r, const char *fmt, ...);

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)
#define log_error_errno(r, ...) log_full_errno(LOG_ERR, r, __VA_ARGS__)
#define log_warning_errno(r, ...) log_full_errno(LOG_WARNING, r, __VA_ARGS__)

/*
 * Events an operator looks for in the journal: `journalctl MESSAGE_ID=<id>` finds every one.
 * Under systemd they are sent with sd_journal_send() and the fields below; otherwise, or when
 * the journal does not take them, they are plain lines like any other message.
 */
#define CDMD_MESSAGE_SPILL "847d6220e5364f98b84af9e1b9cf3fd8"
#define CDMD_MESSAGE_REPAIR "a5753f8a7cec4bf8ae351ad026c3671f"
#define CDMD_MESSAGE_QUOTA "f5f7e3cc9a71431db69e2a8172dd4168"
#define CDMD_MESSAGE_FAULT "a89764e2cf7b49fe9799ec5f400e9fb6"
#define CDMD_MESSAGE_DRAIN "a3e11c6e96bc47f187a814844b620a77"
#define CDMD_MESSAGE_FENCE_DRIFT "44b85eacc221485ca0dd1ac27e4b38ef"
#define CDMD_MESSAGE_NUMA_MISS "d308f04360ae47299eb7f495a91ff2ad"

typedef struct LogEvent {
        const char *message_id;
        const char *device; /* CDMD_DEVICE=, or NULL */
        const char *job;    /* CDMD_JOB= */
        const char *cgroup; /* CDMD_CGROUP= */
        uint64_t bytes;     /* CDMD_BYTES=, when has_bytes */
        bool has_bytes;
} LogEvent;

_printf_(3, 4) int log_event(int level, const LogEvent *e, const char *fmt, ...);
