/* hf_fork.c: fork. A forked child must never deadlock on a lock another thread held at the fork.
 *
 * Default (HEAPFOLD_FOLLOW=0): the child closes its copy of the trace descriptor and never
 * records, so it never touches a lock of ours (its hooks pass straight through; its exit and
 * thread exits do nothing). The parent does not cut its buffer at fork: measured on a bash loop
 * of 3,000 command substitutions, cutting made the trace 2.8 times larger (2.34 MB against
 * 0.84 MB: a small chunk per fork) and cost 7% more CPU, for nothing the child needs.
 *
 * HEAPFOLD_FOLLOW=1: the forking thread's buffer is written (the child's trace starts at the
 * fork), then every other thread is parked outside the recorder and the
 * background thread kept out (hf_thread.c), so none holds a lock of ours, libunwind's or zlib's,
 * and no structure of ours is half updated; the forking thread itself holds no lock a hook may
 * need (glibc's fork takes its own locks after this handler, and a parked thread may hold one).
 * The child re-initialises our locks and starts a trace of its own (named from HEAPFOLD_OUTPUT
 * with its pid), with the parent's modules and stack nodes, and a new background thread. If
 * parking failed (bounded waits, see hf_thread.c) the child does not record rather than risk a
 * deadlock. */
#include "hf_base.h"
#include "hf_fork.h"
#include "hf_thread.h"
#include "hf_writer.h"

static __thread int prepared __attribute__((tls_model("initial-exec")));
/* hf_init.c's, passed in by hf_fork_init: this file does not call back into the start-up code. */
static void (*reinit_fn)(void);
static int (*restart_fn)(void);

static void prepare(void)
{
	prepared = 0;
	if (hf_load(&hf_g.state) != HF_STATE_ON || !hf_load(&hf_g.enabled))
		return;
	if (!hf_g.follow)
		return; /* see above: no flush, the child never writes */
	hf_thread_flush_self();
	struct hf_tls *t = &hf_tls;
	int mode = t->mode;
	t->mode = HF_MODE_INSIDE;
	hf_thread_fork_prepare();
	t->mode = mode;
	prepared = 1;
}

static void parent(void)
{
	if (!prepared)
		return;
	hf_thread_fork_parent();
	prepared = 0;
}

static void child(void)
{
	int was_on = hf_load(&hf_g.state) == HF_STATE_ON;
	reinit_fn();
	hf_writer_fork_reinit();
	hf_writer_fork_child();
	hf_store(&hf_g.clock, 0);
	if (!was_on || !hf_thread_fork_child(prepared && hf_load(&hf_g.enabled)) ||
	    restart_fn() < 0) {
		hf_rec_disable();
		hf_tls.mode = HF_MODE_OFF;
		if (was_on)
			hf_store(&hf_g.state, HF_STATE_CHILD);
	}
	prepared = 0;
}

int hf_fork_init(void (*reinit)(void), int (*restart)(void))
{
	reinit_fn = reinit;
	restart_fn = restart;
	return pthread_atfork(prepare, parent, child);
}
