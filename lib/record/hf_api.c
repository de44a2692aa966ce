/* hf_api.c: the public C API of include/heapfold.h, in the shared library and in the static
 * archives alike. Everything here is a thin layer over hf_init.c (start and stop), hf_hooks.c
 * (marks) and hf_stats.c (statistics).
 *
 * Calls may come from any thread, from constructors and atexit handlers, and from a signal
 * handler that interrupted a malloc hook (the thread's mode is then INSIDE): those are refused
 * or do nothing, rather than take a lock the interrupted code may hold. */
#include <errno.h>
#include <string.h>

#include "heapfold.h"
#include "hf_base.h"
#include "hf_hooks.h"
#include "hf_init.h"
#include "hf_stats.h"
#include "hf_writer.h"

#define HF_API HF_EXPORT

/* The shared library is built with hidden visibility: the API is exported explicitly. */
HF_API unsigned hf_version(void)
{
	return HF_VERSION_NUM;
}

HF_API int hf_start(const char *path)
{
	return hf_rec_open(path);
}

HF_API int hf_stop(void)
{
	return hf_rec_stop();
}

HF_API int hf_flush(void)
{
	int on = hf_load(&hf_g.state) == HF_STATE_ON;
	if (!on)
		return HF_OK;
	hf_rec_flush();
	if (hf_writer_failed()) {
		errno = EIO;
		return HF_EIO;
	}
	return HF_OK;
}

HF_API int hf_mark(const char *label)
{
	if (!label)
		return HF_EINVAL;
	size_t n = strnlen(label, 255);
	/* Cut at a character boundary: labels are UTF-8 strings in the trace. */
	if (n == 255)
		while (n > 0 && ((unsigned char)label[n] & 0xc0) == 0x80)
			n--;
	if (hf_load(&hf_g.enabled))
		hf_hooks_mark(label, n);
	return HF_OK;
}

HF_API int hf_set_sample_bytes(uint64_t mean_bytes)
{
	if (mean_bytes > HF_SAMPLE_API_MAX)
		return HF_EINVAL;
	return hf_rec_set_sample(mean_bytes);
}

HF_API int hf_stats(hf_stats_t *out)
{
	if (!out || out->size != sizeof *out)
		return HF_EINVAL;
	hf_stats_read(out);
	return HF_OK;
}

HF_API int hf_stats_reset_peak(void)
{
	hf_stats_reset();
	return HF_OK;
}
