/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON path -> line/column (see include/sbx/jsonloc.h).  A position
 * finder over raw text, not a parser: it never builds values, never
 * interprets config semantics, and gives up quietly on malformed text
 * (the config parser has already rejected or accepted the same text).
 *
 * Robustness: values that are not on the path are skipped with a bracket
 * counter, not by recursion, so deeply nested input cannot exhaust the
 * stack; every access checks the length.
 */
#include "sbx/jsonloc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NPOS SIZE_MAX
#define KEY_MAX 4096

struct scan {
	const char *s;
	size_t n;
};

static size_t skip_ws(const struct scan *sc, size_t p)
{
	while (p < sc->n && (sc->s[p] == ' ' || sc->s[p] == '\t' || sc->s[p] == '\n' ||
			     sc->s[p] == '\r'))
		p++;
	return p;
}

/* p at '"': position after the closing quote, or NPOS. */
static size_t skip_string(const struct scan *sc, size_t p)
{
	if (p >= sc->n || sc->s[p] != '"')
		return NPOS;
	for (p++; p < sc->n; p++) {
		if (sc->s[p] == '\\')
			p++;
		else if (sc->s[p] == '"')
			return p + 1;
	}
	return NPOS;
}

/* Any value at p: position just after it, or NPOS. */
static size_t skip_value(const struct scan *sc, size_t p)
{
	size_t depth = 0;

	if (p >= sc->n)
		return NPOS;
	if (sc->s[p] == '"')
		return skip_string(sc, p);
	if (sc->s[p] != '{' && sc->s[p] != '[') {
		size_t q = p;
		while (q < sc->n && !strchr(",]} \t\r\n", sc->s[q]))
			q++;
		return q > p ? q : NPOS;
	}
	while (p < sc->n) {
		char c = sc->s[p];
		if (c == '"') {
			p = skip_string(sc, p);
			if (p == NPOS)
				return NPOS;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			if (depth == 0)
				return NPOS;
			if (--depth == 0)
				return p + 1;
		}
		p++;
	}
	return NPOS;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static size_t put_utf8(char *b, size_t o, size_t cap, uint32_t cp)
{
	unsigned char u[4];
	size_t k = 0;

	if (cp < 0x80)
		u[k++] = (unsigned char)cp;
	else if (cp < 0x800) {
		u[k++] = (unsigned char)(0xc0 | (cp >> 6));
		u[k++] = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		u[k++] = (unsigned char)(0xe0 | (cp >> 12));
		u[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[k++] = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		u[k++] = (unsigned char)(0xf0 | (cp >> 18));
		u[k++] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[k++] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[k++] = (unsigned char)(0x80 | (cp & 0x3f));
	}
	if (o + k > cap)
		return NPOS;
	memcpy(b + o, u, k);
	return o + k;
}

static int read_u16(const struct scan *sc, size_t p, uint32_t *out)
{
	uint32_t v = 0;

	if (p + 4 > sc->n)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(sc->s[p + (size_t)i]);
		if (h < 0)
			return -1;
		v = v << 4 | (uint32_t)h;
	}
	*out = v;
	return 0;
}

/* Decode the string at p (a member name) into buf; *len its length.
 * Returns the position after it, or NPOS (malformed, or longer than cap:
 * such a name cannot equal any name we look for). */
static size_t decode_string(const struct scan *sc, size_t p, char *buf, size_t cap, size_t *len)
{
	size_t o = 0;

	if (p >= sc->n || sc->s[p] != '"')
		return NPOS;
	for (p++; p < sc->n; p++) {
		char c = sc->s[p];
		uint32_t cp;

		if (c == '"') {
			*len = o;
			return p + 1;
		}
		if (c != '\\') {
			if (o >= cap)
				return NPOS;
			buf[o++] = c;
			continue;
		}
		if (++p >= sc->n)
			return NPOS;
		switch (sc->s[p]) {
		case '"': case '\\': case '/': cp = (unsigned char)sc->s[p]; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (read_u16(sc, p + 1, &cp) < 0)
				return NPOS;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && p + 2 < sc->n && sc->s[p + 1] == '\\' &&
			    sc->s[p + 2] == 'u') {
				uint32_t lo;
				if (read_u16(sc, p + 3, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					p += 6;
				}
			}
			break;
		default:
			return NPOS;
		}
		o = put_utf8(buf, o, cap, cp);
		if (o == NPOS)
			return NPOS;
	}
	return NPOS;
}

/* One path component: a member name (decoded into name) or an index. */
struct comp {
	bool is_index;
	size_t index;
	char name[KEY_MAX];
	size_t name_len;
};

/* Parse the component at path[*i]; 1 ok, 0 end of path, -1 bad syntax. */
static int next_comp(const char *path, size_t *i, struct comp *c)
{
	size_t p = *i;

	if (path[p] == '\0')
		return 0;
	if (path[p] == '.')
		p++;
	c->is_index = false;
	c->name_len = 0;
	if (path[p] == '[' && path[p + 1] == '"') {
		for (p += 2; path[p] && path[p] != '"'; p++) {
			if (path[p] == '\\' && path[p + 1])
				p++;
			if (c->name_len >= sizeof(c->name))
				return -1;
			c->name[c->name_len++] = path[p];
		}
		if (path[p] != '"' || path[p + 1] != ']')
			return -1;
		*i = p + 2;
		return 1;
	}
	if (path[p] == '[') {
		size_t v = 0;
		p++;
		if (path[p] < '0' || path[p] > '9')
			return -1;
		while (path[p] >= '0' && path[p] <= '9') {
			if (v > (SIZE_MAX - 9) / 10)
				return -1;
			v = v * 10 + (size_t)(path[p++] - '0');
		}
		if (path[p] != ']')
			return -1;
		c->is_index = true;
		c->index = v;
		*i = p + 1;
		return 1;
	}
	while (path[p] && path[p] != '.' && path[p] != '[') {
		if (c->name_len >= sizeof(c->name))
			return -1;
		c->name[c->name_len++] = path[p++];
	}
	if (c->name_len == 0)
		return -1;
	*i = p;
	return 1;
}

/* In the object at p, the LAST member called c->name (jansson keeps the
 * last of duplicate keys): *key at its name, returns its value's position. */
static size_t find_member(const struct scan *sc, size_t p, const struct comp *c, size_t *key)
{
	char buf[KEY_MAX];
	size_t found = NPOS;

	if (p >= sc->n || sc->s[p] != '{')
		return NPOS;
	p = skip_ws(sc, p + 1);
	if (p < sc->n && sc->s[p] == '}')
		return NPOS;
	while (p < sc->n) {
		size_t k = p, len = 0, v, q;
		bool match;

		q = decode_string(sc, p, buf, sizeof(buf), &len);
		if (q == NPOS) {
			/* Over-long name: cannot match, skip it as a plain string. */
			q = skip_string(sc, p);
			if (q == NPOS)
				return found;
			len = SIZE_MAX;
		}
		match = len == c->name_len && memcmp(buf, c->name, len) == 0;
		p = skip_ws(sc, q);
		if (p >= sc->n || sc->s[p] != ':')
			return found;
		v = skip_ws(sc, p + 1);
		if (match) {
			found = v;
			*key = k;
		}
		p = skip_value(sc, v);
		if (p == NPOS)
			return found;
		p = skip_ws(sc, p);
		if (p < sc->n && sc->s[p] == ',') {
			p = skip_ws(sc, p + 1);
			continue;
		}
		break;
	}
	return found;
}

static size_t find_index(const struct scan *sc, size_t p, size_t want)
{
	size_t i = 0;

	if (p >= sc->n || sc->s[p] != '[')
		return NPOS;
	p = skip_ws(sc, p + 1);
	if (p < sc->n && sc->s[p] == ']')
		return NPOS;
	while (p < sc->n) {
		if (i == want)
			return p;
		p = skip_value(sc, p);
		if (p == NPOS)
			return NPOS;
		p = skip_ws(sc, p);
		if (p >= sc->n || sc->s[p] != ',')
			return NPOS;
		p = skip_ws(sc, p + 1);
		i++;
	}
	return NPOS;
}

static void line_col(const struct scan *sc, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	for (size_t i = 0; i < off && i < sc->n; i++) {
		unsigned char b = (unsigned char)sc->s[i];
		if (b == '\n') {
			l++;
			c = 1;
		} else if ((b & 0xc0) != 0x80) {
			c++;  /* count code points: UTF-8 continuation bytes add nothing */
		}
	}
	*line = l;
	*col = c;
}

int sbx_jsonloc_find(const char *text, size_t len, const char *path, struct sbx_jsonloc *out)
{
	struct scan sc = { text, len };
	struct comp comp_buf;
	size_t at, start, end, i = 0, resolved = 0;
	bool exact = true;
	int r;

	memset(out, 0, sizeof(*out));
	out->line = out->column = out->end_line = out->end_column = 1;
	if (!text || !path)
		return -1;
	at = skip_ws(&sc, 0);
	if (at >= sc.n)
		return -1;
	start = at;
	while ((r = next_comp(path, &i, &comp_buf)) == 1) {
		size_t key = NPOS, v;

		if (comp_buf.is_index) {
			v = find_index(&sc, at, comp_buf.index);
			key = v;
		} else {
			v = find_member(&sc, at, &comp_buf, &key);
		}
		if (v == NPOS) {
			exact = false;
			break;
		}
		at = v;
		start = key;
		resolved++;
	}
	if (r < 0)
		exact = false;
	end = skip_value(&sc, at);
	if (end == NPOS)
		end = at;
	if (!exact && resolved == 0)
		return -1;  /* not even the first component: 1:1 */
	line_col(&sc, start, &out->line, &out->column);
	line_col(&sc, end, &out->end_line, &out->end_column);
	out->exact = exact;
	return exact ? 0 : 1;
}

int sbx_jsonloc_span(const char *text, size_t len, const char *path, size_t *start, size_t *end)
{
	struct scan sc = { text, len };
	struct comp comp_buf;
	size_t at, i = 0, e;
	int r;

	if (!text || !path)
		return -1;
	at = skip_ws(&sc, 0);
	while ((r = next_comp(path, &i, &comp_buf)) == 1) {
		size_t key;

		at = comp_buf.is_index ? find_index(&sc, at, comp_buf.index)
				       : find_member(&sc, at, &comp_buf, &key);
		if (at == NPOS)
			return -1;
	}
	if (r < 0 || at >= sc.n)
		return -1;
	e = skip_value(&sc, at);
	if (e == NPOS)
		return -1;
	*start = at;
	*end = e;
	return 0;
}

char *sbx_jsonloc_member(char *buf, size_t n, const char *parent, const char *name)
{
	bool plain = *name != '\0';
	size_t o;

	for (const char *p = name; *p; p++)
		if (*p == '.' || *p == '[' || *p == ']' || *p == '"' || *p == '\\')
			plain = false;
	if (plain) {
		snprintf(buf, n, "%s%s%s", parent && *parent ? parent : "",
			 parent && *parent ? "." : "", name);
		return buf;
	}
	o = (size_t)snprintf(buf, n, "%s[\"", parent ? parent : "");
	for (const char *p = name; *p && o + 4 < n; p++) {
		if (*p == '"' || *p == '\\')
			buf[o++] = '\\';
		buf[o++] = *p;
	}
	if (o + 3 <= n) {
		buf[o++] = '"';
		buf[o++] = ']';
		buf[o] = '\0';
	} else if (n) {
		buf[n - 1] = '\0';
	}
	return buf;
}
