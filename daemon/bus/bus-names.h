/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The bus name, the object paths and the interfaces of org.cdmd.cdmd1(5). */
#define CDM_BUS_NAME "org.cdmd.cdmd1"
#define CDM_BUS_PATH "/org/cdmd/cdmd1"
#define CDM_BUS_MANAGER "org.cdmd.cdmd1.Manager"
#define CDM_BUS_DEVICE "org.cdmd.cdmd1.Device"
#define CDM_BUS_JOB "org.cdmd.cdmd1.Job"
#define CDM_BUS_DEVICE_PREFIX "/org/cdmd/cdmd1/device"
#define CDM_BUS_JOB_PREFIX "/org/cdmd/cdmd1/job"
#define CDM_BUS_MIGRATION "org.cdmd.cdmd1.Migration"
#define CDM_BUS_MIGRATION_PREFIX "/org/cdmd/cdmd1/migration"
