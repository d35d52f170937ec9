/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * The datapath tests' environment: the device of tests/lib/devenv.h, set
 * up once for all the tests of a run, its failure a TAP result.
 */
#ifndef __PSP_TEST_ENV_H
#define __PSP_TEST_ENV_H

#include "devenv.h"

/* psp0 of the default backend; NULL (a failure said once) if it cannot
 * be set up. */
struct dev_env *test_env(void);

#endif /* __PSP_TEST_ENV_H */
