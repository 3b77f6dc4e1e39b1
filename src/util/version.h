// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* version.h - vtax's version string. */
#ifndef VTAX_VERSION_H
#define VTAX_VERSION_H
#define VTAX_VERSION "0.1.0"
#endif
