/* hfl_options.c: the launcher's command line. Options stop at the first word that is not one
 * (or after --): the rest is the program and its own arguments, untouched. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hfl.h"

static const char usage_text[] =
	"usage: heapfold [OPTIONS] PROGRAM [ARGS...]\n"
	"\n"
	"Runs PROGRAM with the heapfold recorder preloaded (in place: same process, same pid, same\n"
	"exit status), recording every allocation and free with its call stack into a compressed\n"
	"trace; at the end, the recorder lists the traces written.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE   trace file (default heapfold.%e.%p.gz; %p = pid, %e = program name)\n"
	"  -f, --follow        also trace forked children, each into its own file (a program the\n"
	"                      traced process execs is always traced, into a file of its own)\n"
	"  -u, --unwind KIND   libunwind (default) or fp (frame pointers; needs -fno-omit-frame-pointer);\n"
	"                      libunwind-plain: libunwind without its memo of the last stack (slower);\n"
	"                      libunwind-check: every stack unwound twice and compared (slow; a check)\n"
	"  -d, --max-depth N   keep at most N frames per stack (default 128)\n"
	"  -s, --sample BYTES  sampling (see docs/production.md): record about one allocation per\n"
	"                      BYTES allocated (512K; K, M, G), a trace heapfold_print estimates from\n"
	"      --fail-on-leak  after the run, exit 4 if the trace has leaks (heapfold_print --fail-on-leak)\n"
	"      --fail-if LIMIT the same for a heapfold_print limit: peak>SIZE, leaked>SIZE, bytes>SIZE,\n"
	"                      allocations>N, temporary>N (repeatable)\n"
	"  -q, --quiet         no listing of the traces at the end (the recorder still reports errors)\n"
	"  -h, --help          this help\n"
	"  -V, -v, --version   print the version (as heapfold_print)\n"
	"\n"
	"Read a trace with: heapfold_print FILE   (flame graph: heapfold_print FILE -F stacks.txt)\n"
	"Statically linked programs cannot be preloaded: link heapfold into them (docs/linking.md).\n";

void hfl_die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("heapfold: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(status);
}

/* "--name=VALUE" or "--name VALUE" / "-x VALUE": the value, advancing *i; NULL if not this. */
static const char *value_of(int argc, char **argv, int *i, const char *s, const char *l,
			    const char *need)
{
	const char *a = argv[*i];
	size_t ln = strlen(l);
	if (!strncmp(a, l, ln) && a[ln] == '=')
		return a + ln + 1;
	if (strcmp(a, s) != 0 && strcmp(a, l) != 0)
		return NULL;
	if (*i + 1 >= argc)
		hfl_die(HFL_USAGE, "%s needs %s", a, need);
	return argv[++*i];
}

static int is_size(const char *s)
{
	size_t i = 0;
	while (isdigit((unsigned char)s[i]))
		i++;
	if (i == 0)
		return 0;
	const char *u = s + i;
	static const char *const units[] = { "", "k", "m", "g", "kb", "mb", "gb", "kib", "mib", "gib" };
	for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
		if (!strcasecmp(u, units[k]))
			return 1;
	return 0;
}

void hfl_parse(int argc, char **argv, struct hfl_options *o)
{
	memset(o, 0, sizeof *o);
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i], *v;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		if ((v = value_of(argc, argv, &i, "-o", "--output", "a file name"))) {
			o->output = v;
		} else if (!strcmp(a, "-f") || !strcmp(a, "--follow")) {
			o->follow = 1;
		} else if ((v = value_of(argc, argv, &i, "-u", "--unwind", "fp or libunwind"))) {
			o->unwind = v;
		} else if ((v = value_of(argc, argv, &i, "-d", "--max-depth", "a number"))) {
			o->max_depth = v;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = 1;
		} else if ((v = value_of(argc, argv, &i, "-s", "--sample", "a number of bytes"))) {
			o->sample = v;
		} else if (!strcmp(a, "--fail-on-leak")) {
			if (o->n_limits + 1 >= HFL_LIMITS_MAX)
				hfl_die(HFL_USAGE, "too many limits");
			o->limits[o->n_limits++] = "--fail-on-leak";
		} else if ((v = value_of(argc, argv, &i, "--fail-if", "--fail-if",
					  "a limit (peak>1M, leaked>0, ...)"))) {
			if (o->n_limits + 2 >= HFL_LIMITS_MAX)
				hfl_die(HFL_USAGE, "too many limits");
			o->limits[o->n_limits++] = "--fail-if";
			o->limits[o->n_limits++] = v;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			exit(0);
		} else if (!strcmp(a, "-V") || !strcmp(a, "-v") || !strcmp(a, "--version")) {
			printf("heapfold %s\n", HF_VERSION_STRING);
			exit(0);
		} else {
			fprintf(stderr, "heapfold: unknown option '%s'\n", a);
			fputs(usage_text, stderr);
			exit(HFL_USAGE);
		}
	}
	if (i >= argc) {
		fputs(usage_text, stderr);
		exit(HFL_USAGE);
	}
	o->argv = argv + i;
	if (o->unwind && strcmp(o->unwind, "fp") && strcmp(o->unwind, "libunwind") &&
	    strcmp(o->unwind, "libunwind-plain") && strcmp(o->unwind, "libunwind-check"))
		hfl_die(HFL_USAGE, "--unwind takes libunwind, fp, libunwind-plain or libunwind-check, not '%s'",
			o->unwind);
	if (o->max_depth && (o->max_depth[0] < '1' || o->max_depth[0] > '9' ||
			     o->max_depth[strspn(o->max_depth, "0123456789")]))
		hfl_die(HFL_USAGE, "--max-depth takes a positive number, not '%s'", o->max_depth);
	if (o->sample && !is_size(o->sample))
		hfl_die(HFL_USAGE, "--sample takes a number of bytes (512K, 1M), not '%s'", o->sample);
}
