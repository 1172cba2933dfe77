/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The global knobs read below the context's root; every one is optional. */

#include "knobs.h"

int cdm_knobs_read(cdm_ctx *ctx, const cdm_layout *l, cdm_knobs *ret);
