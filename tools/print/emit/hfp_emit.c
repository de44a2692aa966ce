/* hfp_emit.c: the list of emitters and the driver of their outputs: open them all before the
 * trace is read, write each with its emitter, close each with every error checked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hfp_base.h"
#include "../core/hfp_mem.h"
#include "../core/hfp_options.h"
#include "hfp_emit.h"
#include "hfp_folded.h"

/* The outputs besides the report, in the order they are written. */
static const struct hfp_emitter *const emitters[] = {
	&hfp_emitter_folded,
	&hfp_emitter_svg,
	&hfp_emitter_histogram,
	&hfp_emitter_pprof,
	&hfp_emitter_massif,
	&hfp_emitter_html,
};
#define NEMITTERS (sizeof emitters / sizeof emitters[0])

int hfp_outputs_open(struct hfp_outputs *x, const struct hfp_options *o)
{
	memset(x, 0, sizeof *x);
	x->out = hfp_calloc(NEMITTERS, sizeof *x->out);
	int exports = 0, nexports = 0;
	for (size_t i = 0; i < NEMITTERS; i++) {
		exports |= emitters[i]->path(o) != NULL;
		nexports += emitters[i]->path(o) != NULL;
	}
	/* The report is written when asked for with -o (-o - for standard output), or when no
	 * other output is: an export (-F stacks.txt) does not also flood the terminal with the
	 * report, as heaptrack_print's does. */
	const char *report = hfp_emitter_report.path(o);
	x->want_report = report || !exports;
	x->exports = exports;
	/* The report, and the other exports, break ties between stacks by their order; -F and
	 * --svg, made from the trie of names, do not. */
	x->trie_only = !x->want_report && nexports == 1 && (hfp_emitter_folded.path(o) || hfp_emitter_svg.path(o));
	int rc = HFP_EXIT_OK;
	if (x->want_report)
		rc = hfp_out_open(&x->report, report);
	for (size_t i = 0; i < NEMITTERS && !rc; i++) {
		const char *path = emitters[i]->path(o);
		if (path)
			rc = hfp_out_open(&x->out[i], path);
	}
	return rc;
}

void hfp_outputs_discard(struct hfp_outputs *x)
{
	hfp_out_discard(&x->report);
	for (size_t i = 0; x->out && i < NEMITTERS; i++)
		hfp_out_discard(&x->out[i]);
	free(x->out);
	x->out = NULL;
}

/* Closes an output that an emitter wrote (write_failed: the emitter saw an error). */
static int close_output(struct hfp_out *out, int write_failed)
{
	int err = errno;
	const char *name = out->name;
	int on_stdout = out->is_stdout;
	int rc = hfp_out_close(out);
	if (write_failed && rc == HFP_EXIT_OK && !(on_stdout && err == EPIPE)) {
		/* the error did not stick to the stream */
		fprintf(stderr, HFP_NAME ": write error on %s: %s\n", name, strerror(err ? err : EIO));
		rc = HFP_EXIT_OUTPUT;
	}
	return rc;
}

int hfp_outputs_write(struct hfp_outputs *x, const struct hfp_emit_in *in)
{
	const struct hfp_options *o = in->opt;
	struct hfp_emit_in e = *in;
	struct hfp_folded fo;
	int have_folded = 0;
	for (size_t i = 0; i < NEMITTERS && !have_folded; i++)
		have_folded = emitters[i]->needs_folded && emitters[i]->path(o);
	have_folded |= in->base != NULL; /* the report's differences need them too */
	if (have_folded) {
		hfp_folded_build(in->stacks, o->cost, &fo);
		e.folded = &fo;
	}
	int worst = HFP_EXIT_OK, rc;
	for (size_t i = 0; i < NEMITTERS; i++) {
		if (!emitters[i]->path(o))
			continue;
		if ((rc = close_output(&x->out[i], emitters[i]->write(x->out[i].f, &e) < 0)))
			worst = rc;
	}
	if (x->want_report &&
	    (rc = close_output(&x->report, hfp_emitter_report.write(x->report.f, &e) < 0)))
		worst = rc;
	if (have_folded)
		hfp_folded_free(&fo);
	free(x->out);
	x->out = NULL;
	return worst;
}
