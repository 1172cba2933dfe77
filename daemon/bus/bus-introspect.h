/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Print the introspection XML of every interface. */
int bus_introspect(void);
