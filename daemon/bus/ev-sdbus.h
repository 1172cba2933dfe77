/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <ev.h>
#include <systemd/sd-bus.h>

typedef struct EvSdBus EvSdBus;

/* Attach @bus to @loop (the bus is referenced, not consumed). */
int ev_sdbus_attach(struct ev_loop *loop, sd_bus *bus, EvSdBus **ret);
EvSdBus *ev_sdbus_detach(EvSdBus *e);
