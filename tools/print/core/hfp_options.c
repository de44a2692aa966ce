/* hfp_options.c: heapfold_print's command line. Flag names follow heaptrack_print where the
 * meaning is the same, so a heaptrack user does not relearn them. Every problem is one line on
 * stderr and HFP_EXIT_USAGE. */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hfp_base.h"
#include "hfp_buf.h"
#include "hfp_cost.h"
#include "hfp_mem.h"
#include "hfp_num.h"
#include "hfp_options.h"

void hfp_usage(FILE *f)
{
	fputs("usage: " HFP_NAME " [OPTION]... TRACE...\n"
	      "Analyse a heapfold trace: a report in heaptrack_print's shape, folded stacks for\n"
	      "flamegraph.pl, an SVG flame graph, a size histogram.\n"
	      "\n"
	      "Input:\n"
	      "  -f, --file TRACE             a trace to read (as a TRACE argument)\n"
	      "  TRACE...                     one trace, or several (or a directory of them: the traces\n"
	      "                               in it): one report over every process, with a table of\n"
	      "                               the processes; peak is the sum of each one's own peak\n"
	      "      --pid PID                only the trace of process PID (repeatable)\n"
	      "      --exe NAME               only the traces of program NAME: its file name or full\n"
	      "                               path (repeatable)\n"
	      "Report (to standard output when no other output is asked for, or -o FILE):\n"
	      "  -o, --output FILE            write the report to FILE ('-': standard output)\n"
	      "  -a, --print-allocators[=B]   most calls to allocation functions (default 1)\n"
	      "  -p, --print-peaks[=B]        peak memory consumers (default 1)\n"
	      "  -T, --print-temporary[=B]    most temporary allocations (default 1)\n"
	      "  -l, --print-leaks[=B]        memory leaks (default 0)\n"
	      "  -n, --peak-limit N           locations per section (default 10)\n"
	      "  -s, --sub-peak-limit N       backtraces per location (default 5)\n"
	      "  -H, --print-histogram FILE   write \"size<TAB>count\" lines to FILE\n"
	      "Flame graphs:\n"
	      "  -F, --print-flamegraph FILE  write folded stacks to FILE ('-': standard output)\n"
	      "      --flamegraph             write folded stacks to standard output\n"
	      "      --flamegraph-cost-type T allocations (default), bytes, temporary, leaked, peak\n"
	      "      --svg FILE               write an SVG flame graph of the same cost to FILE\n"
	      "      --html FILE              write an interactive report to FILE (one file, no network):\n"
	      "                               heap and RSS over time, flame graphs of every cost type,\n"
	      "                               sortable top tables, the size histogram\n"
	      "Differences:\n"
	      "  -d, --diff BASE              compare with the trace BASE, stack by stack (matched by\n"
	      "                               function names): the report starts with the biggest\n"
	      "                               changes of the cost type; -F writes \"stack base new\"\n"
	      "                               lines (flamegraph.pl's differential input)\n"
	      "Massif (ms_print, massif-visualizer):\n"
	      "  -M, --print-massif FILE      the heap over time in massif's format, detailed at the peak\n"
	      "      --massif-threshold PCT   in the peak's tree, stacks below PCT% of the peak are\n"
	      "                               summed into one line (default 1)\n"
	      "Profiles:\n"
	      "      --pprof FILE             write a pprof profile (gzip'd profile.proto) to FILE, for go\n"
	      "                               tool pprof, Pyroscope, Parca: alloc_objects, alloc_space,\n"
	      "                               inuse_objects, inuse_space (in use when the trace ends)\n"
	      "Filters (they apply to every output):\n"
	      "      --temporary              temporary allocations only (cost temporary by default)\n"
	      "      --temporary-threshold N  temporary: freed by the allocating thread before it made\n"
	      "                               more than N other allocations (default 0)\n"
	      "      --min-size SIZE          ignore allocations smaller than SIZE (1K = 1024, M, G)\n"
	      "      --max-size SIZE          ignore allocations larger than SIZE\n"
	      "      --filter-bt-function F   keep stacks that pass through function F (repeatable)\n"
	      "Symbols:\n"
	      "      --debug-path DIR         look for binaries and debug files in DIR: DIR/NAME and\n"
	      "                               DIR/.build-id/xx/rest[.debug] (repeatable)\n"
	      "      --sysroot DIR            look for binaries at DIR + their recorded path\n"
	      "      --print-above-main       keep frames above main and thread start routines\n"
	      "      --show-allocator         keep the allocator (malloc and the allocation functions\n"
	      "                               that called it: operator new, g_malloc, ...) innermost\n"
	      "      --allocator-frame F      treat function F as an allocation function too (F* for\n"
	      "                               a prefix; repeatable; the defaults: heapfold_print(1))\n"
	      "      --raw-names              libc's internal names (__GI___strdup) as its symbol\n"
	      "                               table has them, not the public name (strdup)\n"
	      "      --shorten-templates[=B]  drop C++ template arguments from names (std::vector<>),\n"
	      "                               merging the frames that then read the same (B: 1 or 0)\n"
	      "Limits, for CI (exit status 4 when one is broken; the filters apply):\n"
	      "      --fail-if WHAT>LIMIT     peak>SIZE (the most bytes live at once), leaked>SIZE,\n"
	      "                               bytes>SIZE (allocated over the run), allocations>N,\n"
	      "                               temporary>N (repeatable)\n"
	      "      --fail-on-leak           the same as --fail-if leaked>0\n"
	      "Other:\n"
	      "      --progress, --no-progress  progress on stderr (default: when it is a terminal)\n"
	      "  -h, --help                   this help\n"
	      "  -v, -V, --version            the version\n"
	      "\n"
	      "Exit status: 0 ok (also for a truncated trace, with a warning), 1 unreadable or corrupt\n"
	      "trace, 2 usage error, 3 output error, 4 a limit broken.\n"
	      "\n"
	      "Example:\n"
	      "  " HFP_NAME " trace.gz -F stacks.txt && flamegraph.pl --colors mem stacks.txt > heap.svg\n",
	      f);
}

enum {
	OPT_FLAMEGRAPH = 256,
	OPT_COST,
	OPT_SVG,
	OPT_TEMPORARY,
	OPT_THRESHOLD,
	OPT_MIN_SIZE,
	OPT_MAX_SIZE,
	OPT_FILTER_FN,
	OPT_DEBUG_PATH,
	OPT_SYSROOT,
	OPT_ABOVE_MAIN,
	OPT_SHOW_ALLOCATOR,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_ALLOC_FRAME,
	OPT_RAW_NAMES,
	OPT_SHORTEN_TEMPLATES,
	OPT_FAIL_IF,
	OPT_FAIL_ON_LEAK,
	OPT_PPROF,
	OPT_MASSIF_THRESHOLD,
	OPT_HTML,
	OPT_PID,
	OPT_EXE,
};

static const struct option long_opts[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "print-allocators", optional_argument, NULL, 'a' },
	{ "print-peaks", optional_argument, NULL, 'p' },
	{ "print-temporary", optional_argument, NULL, 'T' },
	{ "print-leaks", optional_argument, NULL, 'l' },
	{ "peak-limit", required_argument, NULL, 'n' },
	{ "sub-peak-limit", required_argument, NULL, 's' },
	{ "print-histogram", required_argument, NULL, 'H' },
	{ "print-flamegraph", required_argument, NULL, 'F' },
	{ "flamegraph", no_argument, NULL, OPT_FLAMEGRAPH },
	{ "flamegraph-cost-type", required_argument, NULL, OPT_COST },
	{ "svg", required_argument, NULL, OPT_SVG },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "temporary", no_argument, NULL, OPT_TEMPORARY },
	{ "temporary-threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "min-size", required_argument, NULL, OPT_MIN_SIZE },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "filter-bt-function", required_argument, NULL, OPT_FILTER_FN },
	{ "debug-path", required_argument, NULL, OPT_DEBUG_PATH },
	{ "sysroot", required_argument, NULL, OPT_SYSROOT },
	{ "print-above-main", no_argument, NULL, OPT_ABOVE_MAIN },
	{ "show-allocator", no_argument, NULL, OPT_SHOW_ALLOCATOR },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
	{ "allocator-frame", required_argument, NULL, OPT_ALLOC_FRAME },
	{ "raw-names", no_argument, NULL, OPT_RAW_NAMES },
	{ "shorten-templates", optional_argument, NULL, OPT_SHORTEN_TEMPLATES },
	{ "fail-if", required_argument, NULL, OPT_FAIL_IF },
	{ "fail-on-leak", no_argument, NULL, OPT_FAIL_ON_LEAK },
	{ "pprof", required_argument, NULL, OPT_PPROF },
	{ "diff", required_argument, NULL, 'd' },
	{ "print-massif", required_argument, NULL, 'M' },
	{ "massif-threshold", required_argument, NULL, OPT_MASSIF_THRESHOLD },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "exe", required_argument, NULL, OPT_EXE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(HFP_NAME ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(" (see --help)\n", stderr);
	va_end(ap);
	return HFP_EXIT_USAGE;
}

/* heaptrack's boolean flags take an optional value, also as the next word ("-l 1"). */
static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = 1, 0;
		if (strcmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static void push(const char ***v, size_t *n, const char *s)
{
	*v = hfp_reallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

/* The option as the user typed it: "--name" or "-c". */
static const char *opt_name(int c, int long_index)
{
	static char buf[64];
	if (long_index >= 0)
		snprintf(buf, sizeof buf, "--%s", long_opts[long_index].name);
	else
		snprintf(buf, sizeof buf, "-%c", c);
	return buf;
}

int hfp_options_parse(struct hfp_options *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->print_allocators = o->print_peaks = o->print_temporary = 1;
	o->peak_limit = 10;
	o->sub_peak_limit = 5;
	o->max_size = UINT64_MAX;
	o->progress = -1;
	o->massif_threshold = 1.0;
	int flamegraph_stdout = 0;
	uint64_t v;

	opterr = 0; /* our own one-line messages */
	/* 0, not 1: glibc (and musl) then reset getopt's whole state. With 1, a parse that stopped
	 * inside a group of short options ("-hv" returns at 'h') leaves getopt pointing into that
	 * argv, which the next parse (hfp_main called again: tests, the fuzzer) would read. */
	optind = 0;
	for (;;) {
		int li = -1;
		int c = getopt_long(argc, argv, "-:f:o:a::p::T::l::n:s:H:F:d:M:hvV", long_opts, &li);
		if (c == -1)
			break;
		int *flag = NULL;
		switch (c) {
		case 1: /* "-" in the option string: the traces in the order given, among the options */
		case 'f': push(&o->traces, &o->ntraces, optarg); break;
		case OPT_PID:
			if (hfp_parse_uint(optarg, &v) < 0)
				return usage_error("--pid: not a process id: '%s'", optarg);
			o->pids = hfp_reallocarray(o->pids, o->npids + 1, sizeof *o->pids);
			o->pids[o->npids++] = v;
			break;
		case OPT_EXE:
			if (!optarg[0])
				return usage_error("--exe: an empty program name");
			push(&o->exes, &o->nexes, optarg);
			break;
		case 'o':
			/* heaptrack_print's -o is --print-overall-allocated and takes a boolean: "-o 1"
			 * from a heaptrack habit would silently write a report named "1". */
			if (parse_bool(optarg, &(int){ 0 }) == 0)
				return usage_error("-o %s: -o names the report's file here; heaptrack_print's -o "
						   "(print overall allocated) is not taken (a file named %s: -o ./%s)",
						   optarg, optarg, optarg);
			o->output = optarg;
			break;
		case 'a': flag = &o->print_allocators; break;
		case 'p': flag = &o->print_peaks; break;
		case 'T': flag = &o->print_temporary; break;
		case 'l': flag = &o->print_leaks; break;
		case 'n':
		case 's':
			if (hfp_parse_uint(optarg, &v) < 0 || v > 1000000000)
				return usage_error("%s: not a count: '%s'", opt_name(c, li) , optarg);
			*(c == 'n' ? &o->peak_limit : &o->sub_peak_limit) = (unsigned long)v;
			break;
		case 'H': o->histogram = optarg; break;
		case 'F': o->folded = optarg; break;
		case OPT_FLAMEGRAPH: flamegraph_stdout = 1; break;
		case OPT_COST: {
			int found = -1;
			for (int i = 0; i < HFP_COST_N; i++)
				if (strcmp(optarg, hfp_cost_names[i]) == 0)
					found = i;
			if (found < 0)
				return usage_error("--flamegraph-cost-type: unknown cost type '%s' (allocations, "
						   "bytes, temporary, leaked or peak)", optarg);
			o->cost = found;
			o->cost_given = 1;
			break;
		}
		case OPT_SVG: o->svg = optarg; break;
		case OPT_HTML: o->html = optarg; break;
		case OPT_TEMPORARY: o->temporary_only = 1; break;
		case OPT_THRESHOLD:
			if (hfp_parse_uint(optarg, &o->temporary_threshold) < 0)
				return usage_error("--temporary-threshold: not a count: '%s'", optarg);
			break;
		case OPT_MIN_SIZE:
		case OPT_MAX_SIZE:
			if (hfp_parse_size(optarg, &v) < 0)
				return usage_error("%s: bad size '%s' (a number, optionally with K, M or G)",
						   opt_name(c, li), optarg);
			*(c == OPT_MIN_SIZE ? &o->min_size : &o->max_size) = v;
			break;
		case OPT_FILTER_FN: push(&o->functions, &o->nfunctions, optarg); break;
		case OPT_DEBUG_PATH: push(&o->debug_paths, &o->ndebug_paths, optarg); break;
		case OPT_SYSROOT: o->sysroot = optarg; break;
		case OPT_ABOVE_MAIN: o->above_main = 1; break;
		case OPT_SHOW_ALLOCATOR: o->show_allocator = 1; break;
		case OPT_PROGRESS: o->progress = 1; break;
		case OPT_NO_PROGRESS: o->progress = 0; break;
		case 'h': o->help = 1; return HFP_EXIT_OK;
		case 'v':
		case 'V': o->version = 1; return HFP_EXIT_OK;
		case OPT_ALLOC_FRAME:
			if (!optarg[0] || strcmp(optarg, "*") == 0)
				return usage_error("--allocator-frame: '%s' would match every function", optarg);
			push(&o->allocfns, &o->nallocfns, optarg);
			break;
		case OPT_RAW_NAMES: o->raw_names = 1; break;
		case OPT_SHORTEN_TEMPLATES:
			if (optarg && strcmp(optarg, "1") != 0 && strcmp(optarg, "0") != 0)
				return usage_error("--shorten-templates takes 1 or 0, not '%s'", optarg);
			o->shorten_templates = !optarg || strcmp(optarg, "1") == 0;
			break;
		case OPT_PPROF: o->pprof = optarg; break;
		case 'd': o->diff_base = optarg; break;
		case 'M': o->massif = optarg; break;
		case OPT_MASSIF_THRESHOLD: {
			char *end;
			o->massif_threshold = strtod(optarg, &end);
			if (end == optarg || *end || !(o->massif_threshold >= 0 && o->massif_threshold <= 100))
				return usage_error("--massif-threshold: a percentage from 0 to 100, not '%s'", optarg);
			break;
		}
		case OPT_FAIL_IF:
		case OPT_FAIL_ON_LEAK: {
			struct hfp_limit l;
			if (hfp_limit_parse(c == OPT_FAIL_IF ? optarg : "leaked>0", &l) < 0)
				return usage_error("--fail-if: '%s' is not a limit (peak>SIZE, leaked>SIZE, bytes>SIZE, "
						   "allocations>N or temporary>N)", optarg);
			o->limits = hfp_reallocarray(o->limits, o->nlimits + 1, sizeof *o->limits);
			o->limits[o->nlimits++] = l;
			break;
		}
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
		if (flag) {
			if (optarg) {
				if (parse_bool(optarg, flag) < 0)
					return usage_error("%s: expected 0 or 1, not '%s'", opt_name(c, li), optarg);
			} else if (optind < argc && parse_bool(argv[optind], flag) == 0) {
				optind++;
			} else {
				*flag = 1;
			}
		}
	}
	for (; optind < argc; optind++)
		push(&o->traces, &o->ntraces, argv[optind]);
	if (!o->ntraces)
		return usage_error("no trace file given");
	o->trace = o->traces[0];
	if (o->min_size > o->max_size)
		return usage_error("--min-size is larger than --max-size");
	if (flamegraph_stdout && !o->folded)
		o->folded = "-";
	if (o->temporary_only && !o->cost_given)
		o->cost = HFP_COST_TEMPORARY;
	const char *outs[] = { o->folded, o->svg, o->histogram, o->pprof, o->massif, o->html, o->output };
	int on_stdout = 0;
	for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
		on_stdout += outs[i] && strcmp(outs[i], "-") == 0;
	if (on_stdout > 1)
		return usage_error("only one output can go to standard output");
	return HFP_EXIT_OK;
}

void hfp_options_free(struct hfp_options *o)
{
	free(o->functions);
	free(o->debug_paths);
	free(o->allocfns);
	free(o->limits);
	free(o->traces);
	free(o->pids);
	free(o->exes);
	o->limits = NULL;
	o->traces = o->exes = NULL;
	o->pids = NULL;
	o->functions = o->debug_paths = o->allocfns = NULL;
}

int hfp_options_filtered(const struct hfp_options *o)
{
	return o->temporary_only || o->min_size > 0 || o->max_size != UINT64_MAX || o->nfunctions > 0;
}

void hfp_options_describe_filters(const struct hfp_options *o, char *buf, size_t cap)
{
	struct hfp_buf b = { 0 };
	if (o->temporary_only)
		hfp_buf_printf(&b, " --temporary (threshold %" PRIu64 ")", o->temporary_threshold);
	if (o->min_size)
		hfp_buf_printf(&b, " --min-size %" PRIu64, o->min_size);
	if (o->max_size != UINT64_MAX)
		hfp_buf_printf(&b, " --max-size %" PRIu64, o->max_size);
	for (size_t i = 0; i < o->nfunctions; i++)
		hfp_buf_printf(&b, " --filter-bt-function %s", o->functions[i]);
	snprintf(buf, cap, "%s", b.len ? hfp_buf_str(&b) + 1 : "");
	hfp_buf_free(&b);
}
