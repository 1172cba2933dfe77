/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What cdmd sees and would change, as JSON (for programs) or tables (for people). Pure. */

#include "audit.h"
#include "layout.h"
#include "move-plan.h"
#include "plan.h"
#include "topology.h"

/* @moves: the page moves decided (NULL: none). */
char *cdm_report_json(const cdm_topology *t, const cdm_layout *l, const cdm_plan *p,
                const cdm_audit *a, const cdm_move_plan *moves);
char *cdm_report_text(const cdm_topology *t, const cdm_layout *l, const cdm_plan *p,
                const cdm_audit *a, const cdm_move_plan *moves);
