// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * result_json.h - vtax results as JSON (schema in docs/json.md), with
 * jansson.  Writers are atomic: a temp file renamed into place, so a
 * failed write never leaves a partial file behind.
 */
#ifndef VTAX_RESULT_JSON_H
#define VTAX_RESULT_JSON_H

#include <jansson.h>
#include "result/result.h"

json_t *vtax_result__to_json(const struct vtax_result *r);
/* Parse one result object; on error returns NULL and fills err. */
struct vtax_result *vtax_result__from_json(const json_t *j, char *err, size_t errlen);
json_t *vtax_hist__to_json(const struct vtax_hist *h);
int vtax_hist__from_json(const json_t *j, struct vtax_hist *h, char *err, size_t errlen);
/* Write any JSON document to path ("-" = stdout) atomically. */
int vtax_json__write_file(json_t *doc, const char *path, char *err, size_t errlen);
/* Load a vtax JSON document (checks "vtax_schema"); NULL + err on failure. */
json_t *vtax_json__load_file(const char *path, char *err, size_t errlen);
/* The same from a buffer (name in messages): for tests/fuzz. */
json_t *vtax_json__load_buffer(const char *buf, size_t len, const char *name, char *err, size_t errlen);
/* Wrap one result as a top-level document (adds tool/version/schema). */
json_t *vtax_json__document(const struct vtax_result *r);

#endif
