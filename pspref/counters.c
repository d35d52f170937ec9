// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Names and help texts of the per-device counters (include/psp/counters.h). */
#include "psp_ref.h"

static const struct {
	const char *name, *help;
} counters[PSP_CNT__MAX] = {
#define __PSP_COUNTER_NAME(id, name, help) [PSP_CNT_##id] = { name, help },
	PSP_COUNTERS(__PSP_COUNTER_NAME)
#undef __PSP_COUNTER_NAME
};

const char *psp_counter_name(enum psp_counter c)
{
	return c < PSP_CNT__MAX ? counters[c].name : "unknown";
}

const char *psp_counter_help(enum psp_counter c)
{
	return c < PSP_CNT__MAX ? counters[c].help : "";
}
