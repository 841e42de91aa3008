/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun check` output: text (teaching, grouped by layer, passes too),
 * JSON (stable, docs/check.md "JSON output") and SARIF 2.1.0 (failures
 * only, each pointing at config.json line and column).  Pure functions
 * from a report to a malloc'ed document; jansson only builds output here.
 */
#include "sbx/check.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SBX_VERSION
#define SBX_VERSION "0"
#endif

/* ------------------------------------------------------------------ */
/* text                                                                */

struct buf {
	char *s;
	size_t n, cap;
};

static void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		size_t room = b->cap - b->n;
		va_start(ap, fmt);
		k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0)
			return;
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 1) * 2;
		b->s = sbx_xrealloc(b->s, b->cap);
	}
}

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_GREEN "\033[32m"
#define C_DIM "\033[2m"

static const char *level_color(enum sbx_check_level l)
{
	return l == SBX_CHECK_HIGH ? C_RED : l == SBX_CHECK_MEDIUM ? C_YELLOW : C_CYAN;
}

static void count(const struct sbx_check_report *r, size_t c[6])
{
	memset(c, 0, 6 * sizeof(size_t));
	for (size_t i = 0; i < r->n; i++) {
		const struct sbx_check_finding *f = &r->v[i];
		if (f->status == SBX_CHECK_FAIL)
			c[f->level]++;
		else if (f->status == SBX_CHECK_PASS)
			c[4]++;
		else
			c[5]++;
	}
}

static const char *config_name(const struct sbx_check_report *r)
{
	return r->live ? "config.json (saved at create)" : "config.json";
}

char *sbx_check_format_text(const struct sbx_check_report *r, const struct sbx_check_format_opts *o)
{
	struct buf b = { 0 };
	const char *layer = NULL;
	bool col = o->color;
	size_t c[6];

	if (r->live)
		bprintf(&b, "sbxrun check: container %s (pid %d, bundle %s)\n", r->target, (int)r->pid,
			r->bundle ? r->bundle : "?");
	else
		bprintf(&b, "sbxrun check: bundle %s\n", r->target);
	bprintf(&b, "Controls: CIS Docker Benchmark v1.6.0 (section 5) and hardening-guide advice.\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct sbx_check_finding *f = &r->v[i];
		const struct sbx_check_control *ctl = f->control;
		const char *tag, *tc;
		char cis[32] = "";

		if (!layer || strcmp(layer, ctl->layer)) {
			layer = ctl->layer;
			bprintf(&b, "\n%s%s%s\n", col ? C_BOLD : "", layer, col ? C_RESET : "");
		}
		if (ctl->cis)
			snprintf(cis, sizeof(cis), " (CIS %s)", ctl->cis);
		if (f->status == SBX_CHECK_FAIL) {
			tag = "FAIL";
			tc = level_color(f->level);
		} else if (f->status == SBX_CHECK_PASS) {
			tag = "PASS";
			tc = C_GREEN;
		} else {
			tag = "SKIP";
			tc = C_DIM;
		}
		bprintf(&b, "  %s%s%s %-6s %s%s%s: %s\n", col ? tc : "", tag, col ? C_RESET : "",
			sbx_check_level_name(f->level), ctl->id, cis,
			f->source == SBX_CHECK_SRC_CONFIG ? "" :
			f->source == SBX_CHECK_SRC_KERNEL ? " [kernel]" : " [drift]", f->message);
		if (f->live)
			bprintf(&b, "              source: %s\n", f->live);
		if (f->path && f->status != SBX_CHECK_PASS) {
			if (f->line)
				bprintf(&b, "              at:     %s (%s:%u:%u)\n", f->path,
					config_name(r), f->line, f->column);
			else
				bprintf(&b, "              at:     %s\n", f->path);
		}
		if (f->status == SBX_CHECK_FAIL) {
			bprintf(&b, "              attack: %s\n", f->attack ? f->attack : "");
			bprintf(&b, "              fix:    %s\n", f->fix ? f->fix : "");
		} else if (f->status == SBX_CHECK_PASS) {
			bprintf(&b, "              blocks: %s\n", ctl->blocks);
		}
	}
	count(r, c);
	bprintf(&b, "\nSummary: %zu high, %zu medium, %zu low; %zu passed, %zu skipped.\n",
		c[SBX_CHECK_HIGH], c[SBX_CHECK_MEDIUM], c[SBX_CHECK_LOW], c[4], c[5]);
	{
		bool fail = sbx_check_exit_status(r, o->fail_on) != 0;
		bprintf(&b, "Result: %s%s%s (fail-on %s)\n",
			col ? (fail ? C_RED : C_GREEN) : "", fail ? "FAIL" : "PASS", col ? C_RESET : "",
			sbx_check_level_name(o->fail_on));
	}
	if (!b.s)
		b.s = sbx_xstrdup("");
	return b.s;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *must(json_t *j)
{
	if (!j)
		abort(); /* out of memory: as sbx_xmalloc */
	return j;
}

static json_t *finding_json(const struct sbx_check_report *r, const struct sbx_check_finding *f)
{
	json_t *o = must(json_object());

	json_object_set_new(o, "id", jstr(f->control->id));
	json_object_set_new(o, "cis", jstr(f->control->cis));
	json_object_set_new(o, "layer", jstr(f->control->layer));
	json_object_set_new(o, "title", jstr(f->control->title));
	json_object_set_new(o, "status", jstr(sbx_check_status_name(f->status)));
	json_object_set_new(o, "level", f->status == SBX_CHECK_FAIL ? jstr(sbx_check_level_name(f->level))
								   : json_null());
	json_object_set_new(o, "source", jstr(sbx_check_source_name(f->source)));
	json_object_set_new(o, "path", jstr(f->path));
	json_object_set_new(o, "line", f->line ? json_integer(f->line) : json_null());
	json_object_set_new(o, "column", f->line ? json_integer(f->column) : json_null());
	json_object_set_new(o, "live", jstr(f->live));
	json_object_set_new(o, "message", jstr(f->message));
	json_object_set_new(o, "attack", jstr(f->attack));
	json_object_set_new(o, "fix", jstr(f->fix));
	json_object_set_new(o, "blocks", jstr(f->control->blocks));
	json_object_set_new(o, "doc", jstr(f->control->doc));
	(void)r;
	return o;
}

static char *dump(json_t *root)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	char *out;
	size_t n;

	json_decref(root);
	if (!s)
		abort();
	n = strlen(s);
	out = sbx_xmalloc(n + 2);
	memcpy(out, s, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	free(s);
	return out;
}

char *sbx_check_format_json(const struct sbx_check_report *r, const struct sbx_check_format_opts *o)
{
	json_t *root = must(json_object()), *t = must(json_object()), *s = must(json_object());
	json_t *arr = must(json_array());
	size_t c[6];

	count(r, c);
	json_object_set_new(root, "schemaVersion", json_integer(1));
	json_object_set_new(root, "tool", json_pack("{s:s,s:s}", "name", "sbxrun", "version", SBX_VERSION));
	json_object_set_new(root, "benchmark", jstr("CIS Docker Benchmark v1.6.0"));
	json_object_set_new(root, "mode", jstr(r->live ? "live" : "bundle"));
	json_object_set_new(t, "bundle", jstr(r->bundle));
	json_object_set_new(t, "config", jstr(r->config_file));
	json_object_set_new(t, "id", r->live ? jstr(r->target) : json_null());
	json_object_set_new(t, "pid", r->live ? json_integer(r->pid) : json_null());
	json_object_set_new(root, "target", t);
	json_object_set_new(root, "failOn", jstr(sbx_check_level_name(o->fail_on)));
	json_object_set_new(root, "result", jstr(sbx_check_exit_status(r, o->fail_on) ? "fail" : "pass"));
	json_object_set_new(s, "high", json_integer((json_int_t)c[SBX_CHECK_HIGH]));
	json_object_set_new(s, "medium", json_integer((json_int_t)c[SBX_CHECK_MEDIUM]));
	json_object_set_new(s, "low", json_integer((json_int_t)c[SBX_CHECK_LOW]));
	json_object_set_new(s, "passed", json_integer((json_int_t)c[4]));
	json_object_set_new(s, "skipped", json_integer((json_int_t)c[5]));
	json_object_set_new(root, "summary", s);
	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(arr, finding_json(r, &r->v[i]));
	json_object_set_new(root, "findings", arr);
	return dump(root);
}

/* ------------------------------------------------------------------ */
/* SARIF 2.1.0                                                          */

static const char *sarif_level(enum sbx_check_level l)
{
	return l == SBX_CHECK_HIGH ? "error" : l == SBX_CHECK_MEDIUM ? "warning" : "note";
}

static char *file_uri_dir(const char *dir)
{
	/* file:// URI of an absolute directory, percent-encoding what a URI
	 * path may not hold, with the trailing slash SARIF requires. */
	size_t n = strlen(dir);
	char *u = sbx_xmalloc(n * 3 + 16), *p = u;

	p += sprintf(p, "file://");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)dir[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("/-._~!$&'()*+,;=:@", ch))
			*p++ = (char)ch;
		else
			p += sprintf(p, "%%%02X", ch);
	}
	if (p[-1] != '/')
		*p++ = '/';
	*p = '\0';
	return u;
}

/* One SARIF rule per control: the ids results refer to by index. */
static json_t *sarif_rule(const struct sbx_check_control *c)
{
	char help[1024];
	json_t *rule = must(json_object()), *props = must(json_object()), *tags = must(json_array());

	json_object_set_new(rule, "id", jstr(c->id));
	json_object_set_new(rule, "shortDescription", json_pack("{s:s}", "text", c->title));
	json_object_set_new(rule, "fullDescription", json_pack("{s:s}", "text", c->blocks));
	snprintf(help, sizeof(help), "Blocks: %s. See %s.", c->blocks, c->doc);
	json_object_set_new(rule, "help", json_pack("{s:s}", "text", help));
	json_array_append_new(tags, jstr("security"));
	if (c->cis) {
		char t[32];
		snprintf(t, sizeof(t), "CIS-%s", c->cis);
		json_array_append_new(tags, jstr(t));
	}
	json_object_set_new(props, "tags", tags);
	json_object_set_new(props, "cis", jstr(c->cis));
	json_object_set_new(props, "layer", jstr(c->layer));
	json_object_set_new(rule, "properties", props);
	return rule;
}

/* One SARIF result for a failed finding; `rule_index` is its control's
 * position in the rules array.  A finding with a config.json line points
 * into the bundle (originalUriBaseIds BUNDLE). */
static json_t *sarif_result(const struct sbx_check_report *r, const struct sbx_check_finding *f,
			    size_t rule_index)
{
	json_t *res, *props;
	char text[2048];

	if (f->live)
		snprintf(text, sizeof(text), "%s (%s). Attack: %s Fix: %s", f->message, f->live,
			 f->attack ? f->attack : "", f->fix ? f->fix : "");
	else
		snprintf(text, sizeof(text), "%s. Attack: %s Fix: %s", f->message,
			 f->attack ? f->attack : "", f->fix ? f->fix : "");
	res = must(json_object());
	json_object_set_new(res, "ruleId", jstr(f->control->id));
	json_object_set_new(res, "ruleIndex", json_integer((json_int_t)rule_index));
	json_object_set_new(res, "kind", jstr("fail"));
	json_object_set_new(res, "level", jstr(sarif_level(f->level)));
	json_object_set_new(res, "message", json_pack("{s:s}", "text", text));
	if (f->line && r->bundle) {
		json_t *loc = json_pack("{s:{s:{s:s,s:s},s:{s:i,s:i,s:i,s:i}}}", "physicalLocation",
					"artifactLocation", "uri", "config.json", "uriBaseId", "BUNDLE",
					"region", "startLine", (int)f->line, "startColumn", (int)f->column,
					"endLine", (int)f->end_line, "endColumn", (int)f->end_column);
		json_object_set_new(res, "locations", json_pack("[o]", must(loc)));
	}
	props = must(json_object());
	json_object_set_new(props, "cis", jstr(f->control->cis));
	json_object_set_new(props, "severity", jstr(sbx_check_level_name(f->level)));
	json_object_set_new(props, "source", jstr(sbx_check_source_name(f->source)));
	json_object_set_new(props, "jsonPath", jstr(f->path));
	json_object_set_new(props, "liveSource", jstr(f->live));
	json_object_set_new(props, "attack", jstr(f->attack));
	json_object_set_new(props, "fix", jstr(f->fix));
	json_object_set_new(res, "properties", props);
	return res;
}

char *sbx_check_format_sarif(const struct sbx_check_report *r, const struct sbx_check_format_opts *o)
{
	json_t *root = must(json_object()), *run = must(json_object()), *driver = must(json_object());
	json_t *rules = must(json_array()), *results = must(json_array());
	size_t nctl;
	const struct sbx_check_control *ctl = sbx_check_controls(&nctl);

	json_object_set_new(root, "$schema", jstr("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(root, "version", jstr("2.1.0"));
	json_object_set_new(driver, "name", jstr("sbxrun check"));
	json_object_set_new(driver, "version", jstr(SBX_VERSION));
	json_object_set_new(driver, "semanticVersion", jstr(SBX_VERSION));
	for (size_t i = 0; i < nctl; i++)
		json_array_append_new(rules, sarif_rule(&ctl[i]));
	json_object_set_new(driver, "rules", rules);
	json_object_set_new(run, "tool", json_pack("{s:o}", "driver", driver));
	if (r->bundle) {
		char *u = file_uri_dir(r->bundle);
		json_object_set_new(run, "originalUriBaseIds",
				    json_pack("{s:{s:s}}", "BUNDLE", "uri", u));
		free(u);
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].status == SBX_CHECK_FAIL)
			json_array_append_new(results, sarif_result(r, &r->v[i],
								    (size_t)(r->v[i].control - ctl)));
	json_object_set_new(run, "results", results);
	json_object_set_new(run, "columnKind", jstr("unicodeCodePoints"));
	json_object_set_new(root, "runs", json_pack("[o]", run));
	(void)o;
	return dump(root);
}
