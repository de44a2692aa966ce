/* hf_signal.c: deaths by signal lose nothing recorded before them.
 *
 * A program killed by a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) or by a
 * terminating one left at its default action (SIGINT, SIGTERM, SIGHUP, SIGQUIT: Ctrl-C, kill,
 * systemd, docker stop) used to lose what its threads' buffers held: up to FLUSH_MS of events,
 * the crash's lead-up most of all. For each of these signals whose action is the default when
 * the recorder starts, it installs a handler that writes every thread's buffer and the meta
 * stream (hf_rec_flush), puts the default action back and lets the signal do what it would have
 * done: a fault returns and faults again, a signal that was sent is raised again; the exit
 * status, the core dump and what a parent sees are those of the bare program.
 *
 * The program's own handlers come first: a signal it handles (or ignores) at start is left
 * alone, and a handler it installs later simply replaces ours. A thread inside the recorder when
 * the signal comes (mode INSIDE: it may hold our locks) writes nothing: the rest of the trace
 * stays as the last flush left it. The flush takes the recorder's locks, which only threads
 * inside the recorder hold and release without waiting for anything: it is bounded. SIGKILL
 * and the OOM killer run no handler: docs/reliability.md gives what they lose. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_run.h"
#include "hf_signal.h"
#include "hf_thread.h"

static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGINT, SIGTERM, SIGHUP, SIGQUIT };
static int flushed;
static void (*flush_all)(void);

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int err = errno;
	if (hf_tls.mode != HF_MODE_INSIDE && !__atomic_exchange_n(&flushed, 1, __ATOMIC_SEQ_CST))
		flush_all();
	hf_run_end(); /* the launcher's listing: this process ends */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	/* A fault (si_code > 0, from the kernel) happens again when the handler returns; a signal
	 * that was sent (kill, raise, abort: si_code <= 0) must be sent again: it stays pending
	 * while this handler runs and kills on return. */
	if (si->si_code <= 0 || sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
		raise(sig);
	errno = err;
}

void hf_signal_init(void (*flush)(void))
{
	flush_all = flush;
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
		struct sigaction old, sa;
		if (sigaction(fatal[i], NULL, &old) != 0)
			continue;
		if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
			continue; /* handled or ignored by the program: its choice */
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_signal;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigfillset(&sa.sa_mask); /* nothing else runs in this thread meanwhile */
		sigaction(fatal[i], &sa, NULL);
	}
}
