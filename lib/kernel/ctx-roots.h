/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a program built on the internal library may ask of a context beyond cdm/cdm.h: the
 * root it was created on. The context's fields are lib/'s own; reads and writes below its
 * roots go through the functions of each concern: cgroup-backend.h, proc-fs.h, apply.h.
 */

#include <stdbool.h>

#include "cdm/cdm.h"

/* The directory the context was created on: "/" for the running system. */
const char *cdm_ctx_root(const cdm_ctx *ctx);
/* Whether the roots are the running system's (and processes and syscalls are real). */
bool cdm_ctx_is_live(const cdm_ctx *ctx);
