/* SPDX-License-Identifier: MIT */
/*
 * Reading the config: the files in order, their lines, FILE:LINE, and the
 * loader. inih splits "key = value" lines; everything around it is ours,
 * through the line reader we hand to ini_parse_stream():
 *  - inih 55 as distributions build it gives the handler no line number, so
 *    the reader counts lines, and every message carries FILE:LINE;
 *  - inih reports only the first syntax error, so the reader checks each line
 *    itself and reports them all, passing inih only lines it accepts;
 *  - the reader reads [sections] itself, so a section without keys still
 *    counts ([vrf x] with no table is an error, not nothing);
 *  - it strips leading blanks, so an indented key is a key (inih would take it
 *    as a continuation of the previous value), and inline comments, so they
 *    work whatever INI_ALLOW_INLINE_COMMENTS the library was built with.
 * Values are checked as they come (config-parse.c); what needs the whole
 * config (tables used twice, route devices that are not members, rule
 * priorities) once every file is read (config-check.c). Every error is
 * reported; the load fails once.
 */

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "config-int.h"

/* ---- reporting ------------------------------------------------------------ */

/*
 * Errors are held back and reported in file and line order: the checks that
 * need the whole config run after the last line, but a reader wants the
 * messages in the order of the file.
 */
void vrf_config_error_at(struct parse *p, struct vrf_where where, const char *fmt, ...)
{
	struct pending *more;
	char msg[900];
	size_t file = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->errors++;
	while (file < p->cfg->n_files && p->cfg->files[file] != where.file)
		file++;
	more = VRF_ARRAY_PUSH(p->pending, p->n_pending);
	if (more && asprintf(&more->text, "%s:%u: %s", where.file, where.line, msg) >= 0) {
		more->file = file;
		more->line = where.line;
		more->seq = p->n_pending - 1;
		return;
	}
	if (more)
		p->n_pending--;
	/* Without memory to hold it, say it now rather than never. */
	vrf_err(p->log, "%s:%u: %s", where.file, where.line, msg);
	out_of_memory(p);
}

static int cmp_pending(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_errors(struct parse *p)
{
	if (p->n_pending)
		qsort(p->pending, p->n_pending, sizeof(*p->pending), cmp_pending);
	for (size_t i = 0; i < p->n_pending; i++) {
		vrf_err(p->log, "%s", p->pending[i].text);
		free(p->pending[i].text);
	}
	free(p->pending);
	p->pending = NULL;
	p->n_pending = 0;
}

/* ---- reading a file --------------------------------------------------------- */

static bool is_space(char c)
{
	return vrf_is_blank(c) || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static char *trim(char *s)
{
	char *e;

	while (is_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space(e[-1]))
		*--e = '\0';
	return s;
}

/*
 * inih's reader: one physical line per call, never more than one, so
 * p->line is the line of whatever the handler is called for next.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	ssize_t len = getline(&p->buf, &p->cap, p->f);
	char *s, *c;
	size_t n;

	if (len < 0) {
		if (ferror(p->f))
			p->read_errno = errno ? errno : EIO;
		return NULL;
	}
	p->line++;
	strcpy(str, "\n");   /* what inih sees for anything it need not */
	s = p->buf;
	if (p->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	s = vrf_skip_blanks(s);
	if (*s == ';' || *s == '#')
		return str;
	/* Inline comments start at a ';' or '#' after a blank, as in inih. */
	for (c = s; *c; c++) {
		if ((*c == ';' || *c == '#') && c > s && vrf_is_blank(c[-1])) {
			*c = '\0';
			break;
		}
	}
	s = trim(s);
	if (*s == '\0')
		return str;
	if (*s == '[') {
		c = strchr(s, ']');
		if (!c || c[1]) {
			perr(p, c ? "syntax error: '%s' has text after ']'" :
			     "syntax error: '%s' has no closing ']'", s);
			/* Its keys would land in the previous section: skip them. */
			p->sec = SEC_SKIP;
			return str;
		}
		*c = '\0';
		vrf_config_section(p, s + 1);
		return str;
	}
	/* KEY = VALUE, or KEY: VALUE as inih also allows. */
	for (n = 0; s[n] && s[n] != '=' && s[n] != ':'; n++)
		;
	if (!s[n] || n == 0) {
		perr(p, "syntax error: '%s' is not KEY = VALUE", s);
		return str;
	}
	for (size_t i = 0; i < n; i++) {
		if (!vrf_is_alnum(s[i]) && s[i] != '-' && s[i] != '_' &&
		    !(vrf_is_blank(s[i]) && vrf_skip_blanks(s + i) == s + n)) {
			perr(p, "syntax error: '%s' is not KEY = VALUE", s);
			return str;
		}
	}
	n = strlen(s);
	if (n + 2 > (size_t)num) {
		perr(p, "line too long (more than %d characters): a list goes on in another "
		     "line of the same key", num - 2);
		return str;
	}
	memcpy(str, s, n);
	memcpy(str + n, "\n", 2);
	return str;
}

static int parse_file(struct parse *p, const char *path)
{
	struct vrf_config *cfg = p->cfg;
	char *name = NULL;
	char **slot;
	int r = 0;

	/* "-": the config comes on standard input (the ifupdown hook pipes one). */
	p->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!p->f) {
		r = -errno;
		flush_errors(p);
		vrf_err(p->log, "%s: %s", path, strerror(-r));
		goto out;
	}
	name = strdup(p->f == stdin ? "(stdin)" : path);
	if (!name || !(slot = VRF_ARRAY_PUSH(cfg->files, cfg->n_files))) {
		out_of_memory(p);
		r = -ENOMEM;
		goto out;
	}
	*slot = name;
	name = NULL;
	p->file = *slot;
	p->line = 0;
	p->read_errno = 0;
	/* A file starts outside any section: [global] does not carry over. */
	p->sec = SEC_NONE;
	r = ini_parse_stream(read_line, p, vrf_config_on_key, p);
	if (p->read_errno) {
		r = -p->read_errno;
		flush_errors(p);
		vrf_err(p->log, "%s: %s", path, strerror(-r));
	} else if (p->enomem || r == -2) {
		out_of_memory(p);
		r = -ENOMEM;
	} else if (r != 0) {
		/* The reader passes inih only lines it accepts; should not happen. */
		vrf_config_error_at(p, (struct vrf_where){ .file = p->file, .line = (unsigned)r },
				    "syntax error");
		r = 0;
	}
out:
	free(name);
	if (p->f && p->f != stdin)
		fclose(p->f);
	p->f = NULL;
	return r;
}

/* ---- loading ------------------------------------------------------------------ */

int vrf_config_load_files(struct vrf_config *cfg, const char *const *paths, size_t n,
			  const struct vrf_log *log)
{
	struct parse p = { .cfg = cfg, .log = log };
	int r = 0;

	memset(cfg, 0, sizeof(*cfg));
	vrf_global_init(&cfg->global);
	for (size_t i = 0; i < n && r == 0; i++)
		r = parse_file(&p, paths[i]);
	if (r == 0 && !p.enomem)
		vrf_config_check(&p);
	flush_errors(&p);
	if (r == 0 && p.enomem)
		r = -ENOMEM;
	else if (r == 0 && p.errors)
		r = -EINVAL;

	vrf_config_parse_free(&p);
	free(p.buf);
	if (r < 0)
		vrf_config_free(cfg);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_conf_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

int vrf_config_load_dir(struct vrf_config *cfg, const char *file, const char *dir,
			const struct vrf_log *log)
{
	char **paths = NULL;
	size_t n = 0, first;
	DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	int r = 0;

	/* Zeroed, not initialised: a failure before vrf_config_load_files leaves it so. */
	memset(cfg, 0, sizeof(*cfg));
	/* Missing is fine; anything else, fopen says why. */
	if (file && (stat(file, &st) == 0 || errno != ENOENT)) {
		char **slot = VRF_ARRAY_PUSH(paths, n);

		if (!slot || !(*slot = strdup(file))) {
			r = -ENOMEM;
			vrf_err(log, "out of memory");
			goto out;
		}
	}
	first = n;
	if (dir && !(d = opendir(dir)) && errno != ENOENT && errno != ENOTDIR) {
		r = -errno;
		vrf_err(log, "%s: %s", dir, strerror(-r));
		goto out;
	}
	while (d && (errno = 0, de = readdir(d))) {
		char *path;
		char **slot;

		if (!is_conf_name(de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			vrf_err(log, "out of memory");
			goto out;
		}
		/* A directory or a fifo named x.conf is not a config file; a dangling
		 * link is kept so that opening it reports the problem. */
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		slot = VRF_ARRAY_PUSH(paths, n);
		if (!slot) {
			free(path);
			r = -ENOMEM;
			vrf_err(log, "out of memory");
			goto out;
		}
		*slot = path;
	}
	if (d && errno) {
		r = -errno;
		vrf_err(log, "%s: %s", dir, strerror(-r));
		goto out;
	}
	/* The main file stays first; the directory's files in byte order. */
	if (n > first)
		qsort(paths + first, n - first, sizeof(char *), cmp_str);
	r = vrf_config_load_files(cfg, (const char *const *)paths, n, log);
out:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return r;
}

int vrf_config_load(struct vrf_config *cfg, const char *path, const struct vrf_log *log)
{
	if (!path)
		return vrf_config_load_dir(cfg, VRF_CONFIG_FILE, VRF_CONFIG_DIR, log);
	return vrf_config_load_files(cfg, &path, 1, log);
}
