// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The runner of the TEST()s linked in: all, or those whose name holds argv[1]. */
#include "tap.h"

int main(int argc, char **argv)
{
	tap_run(argc > 1 ? argv[1] : NULL);
	return tap_done();
}
