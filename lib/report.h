/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What cdmd sees and would change, as JSON (for programs) or tables (for people). Pure. */

#include "audit.h"
#include "layout.h"
#include "plan.h"
#include "topology.h"

char *cdm_report_json(const cdm_topology *t, const cdm_layout *l, const cdm_plan *p,
                const cdm_audit *a);
char *cdm_report_text(const cdm_topology *t, const cdm_layout *l, const cdm_plan *p,
                const cdm_audit *a);
