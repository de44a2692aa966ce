/* hf_freeres.c: the process's own exit: the C++ runtime's exit-time frees, the end of the
 * trace, the last heap profile and metrics.
 *
 * At the process's exit we ask the C++ runtime to free what it keeps until then.
 *
 * libstdc++ allocates an emergency pool for exceptions (72,704 bytes in GCC 12) in a
 * constructor and never frees it: every C++ program would report it as leaked. libstdc++ has
 * __gnu_cxx::__freeres for tools that want it gone at exit (Valgrind calls it, as does
 * heaptrack). We call it on the way to a real exit only: never before exec, whose failure would
 * leave the program running with the pool freed.
 *
 * The reference is weak: a program without libstdc++ leaves it null. A preloaded recorder
 * resolves it when libstdc++ is loaded with the program; a static program has it when its
 * exception support (eh_alloc.o) is linked in, which is where the pool lives. */
#include "hf_init.h"
#include "hf_metrics.h"
#include "hf_pprof.h"
#include "hf_run.h"

extern void _ZN9__gnu_cxx9__freeresEv(void) __attribute__((weak));

void hf_rec_exit_process(int status)
{
	void (*freeres)(void) = _ZN9__gnu_cxx9__freeresEv;
	if (freeres && hf_load(&hf_g.state) == HF_STATE_ON)
		freeres(); /* its free is recorded like any other */
	hf_rec_exit(status);
	hf_pprof_exit(); /* the profile as the trace ends */
	hf_metrics_exit();
	hf_run_end(); /* the launcher's listing, once the trace is complete */
}
