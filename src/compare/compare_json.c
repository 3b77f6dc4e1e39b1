// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * compare_json.c - the JSON document of `vtax compare` (schema in
 * docs/compare.md): the workload, every environment's traced result plus
 * its client-side figures per pass, and the ledger.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "compare/compare_int.h"
#include "result/result_json.h"
#include "util/version.h"

static json_t *spread_json(const struct vtax_compare_pass *ps, size_t off)
{
	double v[VTAX_COMPARE_MAX_RUNS] = { 0 }, mn = 0, mx = 0;

	for (int i = 0; i < ps->nruns; i++) {
		/* a double field picked by offsetof: memcpy keeps it type-safe */
		memcpy(&v[i], (const char *)&ps->runs[i] + off, sizeof(v[i]));
		mn = i ? fmin(mn, v[i]) : v[i];
		mx = i ? fmax(mx, v[i]) : v[i];
	}
	return json_pack("{s:f,s:f,s:f}", "median", vtax_compare__median(v, ps->nruns), "min", mn,
			 "max", mx);
}

static json_t *runs_json(const struct vtax_compare_pass *ps, const char *pass)
{
	json_t *runs = json_array();

	for (int r = 0; r < ps->nruns; r++) {
		const struct vtax_compare_run *ru = &ps->runs[r];
		json_t *o = json_pack("{s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f}", "ops",
				      (json_int_t)ru->ops, "warmup_ops", (json_int_t)ru->warmup_ops,
				      "errors", (json_int_t)ru->errors, "elapsed_s", ru->elapsed_s,
				      "throughput_ops_s", ru->ops_per_s, "mean_ns", ru->mean_ns,
				      "p50_ns", ru->p50_ns, "p99_ns", ru->p99_ns, "p999_ns",
				      ru->p999_ns);

		json_object_set_new(o, "pass", json_string(pass));
		json_object_set_new(o, "seq", json_integer(ru->seq));
		json_object_set_new(o, "round", json_integer(ru->round));
		json_object_set_new(o, "slot", json_integer(ru->slot));
		json_object_set_new(o, "session_open", json_boolean(ru->session_open));
		json_object_set_new(o, "vtax_bpf_links", json_integer(ru->bpf_links));
		json_object_set_new(o, "vtax_bpf_links_end", json_integer(ru->bpf_links_end));
		json_array_append_new(runs, o);
	}
	return runs;
}

static json_t *pass_spread_json(const struct vtax_compare_pass *ps)
{
	return json_pack("{s:o,s:o,s:o,s:o,s:o}", "throughput_ops_s",
			 spread_json(ps, offsetof(struct vtax_compare_run, ops_per_s)), "mean_ns",
			 spread_json(ps, offsetof(struct vtax_compare_run, mean_ns)), "p50_ns",
			 spread_json(ps, offsetof(struct vtax_compare_run, p50_ns)), "p99_ns",
			 spread_json(ps, offsetof(struct vtax_compare_run, p99_ns)), "p999_ns",
			 spread_json(ps, offsetof(struct vtax_compare_run, p999_ns)));
}

/* environments[].untraced / .traced: one pass's client-side figures */
static json_t *pass_json(const struct vtax_compare_env *ce, const struct vtax_compare_pass *ps,
			 const char *pass)
{
	json_t *o = json_object();

	json_object_set_new(o, "throughput_ops_s", json_real(ce->ok ? ps->ops_per_s : 0));
	json_object_set_new(o, "ops", json_integer((json_int_t)ps->ops));
	json_object_set_new(o, "warmup_ops", json_integer((json_int_t)ps->warmup_ops));
	json_object_set_new(o, "errors", json_integer((json_int_t)ps->errors));
	json_object_set_new(o, "elapsed_s", json_real(ps->elapsed_s));
	json_object_set_new(o, "client_latency", vtax_hist__to_json(&ps->latency));
	json_object_set_new(o, "runs", runs_json(ps, pass));
	if (ps->nruns)
		json_object_set_new(o, "spread", pass_spread_json(ps));
	return o;
}

static json_t *workload_json(const struct vtax_compare *c)
{
	const struct vtax_load_opts *l = &c->opts.load;
	json_t *w = json_object();

	json_object_set_new(w, "name", json_string(vtax_workload__name(c->opts.workload)));
	json_object_set_new(w, "op", json_string(c->op_name));
	json_object_set_new(w, "concurrency", json_integer(c->concurrency));
	json_object_set_new(w, "driver",
			    json_string(l->driver == VTAX_DRIVER_EXTERNAL ? "external" : "builtin"));
	switch (c->opts.workload) {
	case VTAX_WL_KV:
		json_object_set_new(w, "conns", json_integer(l->conns));
		json_object_set_new(w, "pipeline", json_integer(l->pipeline));
		json_object_set_new(w, "value_size", json_integer(l->value_size));
		json_object_set_new(w, "set_ratio", json_real(l->set_ratio));
		json_object_set_new(w, "keyspace", json_integer(l->keyspace));
		json_object_set_new(w, "via_proxy", json_boolean(c->opts.via_proxy));
		break;
	case VTAX_WL_OLTP:
		json_object_set_new(w, "threads", json_integer(l->conns));
		json_object_set_new(w, "tables", json_integer(l->tables));
		json_object_set_new(w, "table_size", json_integer(l->table_size));
		break;
	case VTAX_WL_IO:
		json_object_set_new(w, "bs", json_integer(l->bs));
		json_object_set_new(w, "qd", json_integer(l->qd));
		json_object_set_new(w, "rw", json_string(vtax_load_rw__name(l->rw)));
		json_object_set_new(w, "file_size", json_integer((json_int_t)l->file_size));
		json_object_set_new(w, "direct", json_boolean(l->direct));
		break;
	}
	json_object_set_new(w, "overlay_layers", json_integer(c->opts.overlay_layers));
	return w;
}

json_t *vtax_compare__to_json(const struct vtax_compare *c)
{
	json_t *doc = json_object(), *envs = json_array();

	json_object_set_new(doc, "vtax_schema", json_integer(VTAX_SCHEMA_VERSION));
	json_object_set_new(doc, "tool", json_string("vtax"));
	json_object_set_new(doc, "version", json_string(VTAX_VERSION));
	json_object_set_new(doc, "mode", json_string("compare"));
	json_object_set_new(doc, "workload", workload_json(c));
	if (c->client_remote)
		json_object_set_new(doc, "client",
				    json_pack("{s:s,s:s,s:s,s:s}", "where", "remote", "namespace", c->cnet.ns,
					      "address", c->cnet.client_addr, "host_address", c->cnet.host_addr));
	else
		json_object_set_new(doc, "client", json_pack("{s:s,s:s?}", "where", "local", "note",
							     c->client_note[0] ? c->client_note : NULL));
	json_object_set_new(doc, "duration_s", json_real(c->opts.duration_s));
	json_object_set_new(doc, "warmup_s", json_real(c->opts.warmup_s));
	json_object_set_new(doc, "runs", json_integer(c->nrounds));
	json_object_set_new(doc, "hygiene", vtax_hygiene__to_json(&c->hyg));
	json_object_set_new(
		doc, "rounds",
		json_pack("{s:i,s:s,s:s,s:f,s:o,s:o,s:f,s:f,s:I,s:s}", "count", c->nrounds, "mode",
			  c->opts.runs ? "fixed" : "adaptive", "stopped_by", c->stop_reason, "budget_s",
			  c->opts.budget_s, "ci_width_target_ns",
			  isfinite(c->ci_width_ns) && c->ci_width_ns > 0 ? json_real(c->ci_width_ns)
									 : json_null(),
			  "ci_width_widest_ns",
			  isfinite(c->worst_ci_ns) ? json_real(c->worst_ci_ns) : json_null(), "slot_s",
			  c->opts.duration_s, "measure_s", c->measure_s, "seed", (json_int_t)c->opts.seed,
			  "intervals",
			  "95%: Student t on paired per-round differences (means, causes); percentile "
			  "bootstrap over rounds, 2000 resamples, fixed seed (p50/p99, closure)"));
	json_object_set_new(doc, "untraced", json_boolean(!c->opts.no_untraced));
	json_object_set_new(doc, "total_s", json_real(c->total_s));
	for (int i = 0; i < c->nenvs; i++) {
		const struct vtax_compare_env *ce = &c->envs[i];
		const struct vtax_compare_pass *hp = vtax_compare_env__headline(ce);
		double ovh;
		json_t *e;

		if (ce->traced) {
			e = vtax_result__to_json(ce->traced);
		} else {
			e = json_object();
			json_object_set_new(e, "mode", json_string("compare-env"));
			json_object_set_new(e, "env", json_string(ce->name));
			json_object_set_new(e, "label", json_string(ce->label));
			json_object_set_new(e, "subjects", json_array());
			json_object_set_new(e, "drops", json_object());
		}
		json_object_set_new(e, "status", json_string(ce->ok ? "ok" : "failed"));
		json_object_set_new(e, "error", ce->ok ? json_null() : json_string(ce->error));
		if (ce->warning[0])
			json_object_set_new(e, "warning", json_string(ce->warning));
		json_object_set_new(e, "emulated", json_boolean(ce->emulated));
		if (ce->accel[0])
			json_object_set_new(e, "accel", json_string(ce->accel));
		if (ce->machine[0])
			json_object_set_new(e, "machine", json_string(ce->machine));
		json_object_set_new(e, "setup_s", json_real(ce->setup_s));
		if (ce->server_host[0])
			json_object_set_new(e, "server", json_pack("{s:s,s:i}", "host", ce->server_host,
								   "port", ce->server_port));
		json_object_set_new(e, "probe_families_missing",
				    ce->fam_errors[0] ? json_string(ce->fam_errors) : json_null());
		/* the headline pass at the top level (what exporters read) */
		json_object_set_new(e, "headline_pass", json_string(ce->untraced ? "untraced" : "traced"));
		json_object_set_new(e, "throughput_ops_s", json_real(ce->ok ? hp->ops_per_s : 0));
		json_object_set_new(e, "ops", json_integer((json_int_t)hp->ops));
		json_object_set_new(e, "warmup_ops", json_integer((json_int_t)hp->warmup_ops));
		json_object_set_new(e, "errors", json_integer((json_int_t)hp->errors));
		json_object_set_new(e, "client_latency", vtax_hist__to_json(&hp->latency));
		json_object_set_new(e, "runs", runs_json(hp, ce->untraced ? "untraced" : "traced"));
		if (hp->nruns)
			json_object_set_new(e, "spread", pass_spread_json(hp));
		json_object_set_new(e, "untraced",
				    ce->untraced ? pass_json(ce, &ce->pass[VTAX_PASS_UNTRACED], "untraced")
						 : json_null());
		json_object_set_new(e, "traced", pass_json(ce, &ce->pass[VTAX_PASS_TRACED], "traced"));
		ovh = vtax_compare_env__overhead_ns(ce);
		json_object_set_new(e, "probe_overhead_ns_per_op",
				    ce->ok && isfinite(ovh) ? json_real(ovh / c->concurrency) : json_null());
		/* what vtax's own programs cost per operation, by the kernel's count */
		json_object_set_new(e, "probe_bpf_ns_per_op",
				    ce->ok && isfinite(ce->probe_bpf_ns_per_op) ? json_real(ce->probe_bpf_ns_per_op)
									 : json_null());
		json_object_set_new(e, "prog_run_ns",
				    ce->ok && isfinite(ce->prog_run_ns) ? json_real(ce->prog_run_ns) : json_null());
		json_object_set_new(e, "attach_s", json_real(ce->attach_s));
		json_object_set_new(e, "probe_bpf_calls_per_op",
				    ce->ok && isfinite(ce->probe_bpf_calls_per_op)
					    ? json_real(ce->probe_bpf_calls_per_op)
					    : json_null());
		json_array_append_new(envs, e);
	}
	json_object_set_new(doc, "environments", envs);
	json_object_set_new(doc, "ledger", c->have_ledger ? vtax_ledger__to_json(&c->ledger)
							  : json_null());
	return doc;
}
