/* hfp_out.c: outputs, a named file or standard output, closed with every error checked; a file
 * this run created is removed when the run fails. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hfp_base.h"
#include "hfp_out.h"

FILE *hfp_stdout;

int hfp_out_open(struct hfp_out *o, const char *path)
{
	memset(o, 0, sizeof *o);
	/* A closed pipe must be an error we can report, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (!path || strcmp(path, "-") == 0) {
		o->f = hfp_stdout ? hfp_stdout : stdout;
		o->name = "standard output";
		o->is_stdout = 1;
		return HFP_EXIT_OK;
	}
	o->name = path;
	/* Only a file this run created is removed when the run fails (hfp_out_discard): an
	 * existing file, /dev/null above all, is truncated at most, never unlinked. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd >= 0)
		o->created = 1;
	else if (errno == EEXIST)
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, HFP_NAME ": cannot create %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (o->created)
			unlink(path);
		o->created = 0;
		return HFP_EXIT_OUTPUT;
	}
	o->buf = malloc(HFP_OUT_BUFFER);
	if (o->buf && setvbuf(o->f, o->buf, _IOFBF, HFP_OUT_BUFFER) != 0) {
		free(o->buf); /* stdio's own buffer, then */
		o->buf = NULL;
	}
	return HFP_EXIT_OK;
}

int hfp_out_close(struct hfp_out *o)
{
	if (!o->f)
		return HFP_EXIT_OK;
	/* errno of the write that failed first is the best description; fflush retries the
	 * write, so it usually sets the same one again. */
	int err = 0, saved = errno;
	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		err = errno ? errno : saved ? saved : EIO;
	/* stdout is closed too: only fclose reports errors of the final write(2). A stream set in
	 * hfp_stdout belongs to whoever set it: checked and flushed, left open for the next run. */
	if (o->is_stdout && hfp_stdout)
		clearerr(o->f);
	else if (fclose(o->f) != 0 && !err)
		err = errno ? errno : EIO;
	o->f = NULL;
	free(o->buf);
	o->buf = NULL;
	if (err == EPIPE && o->is_stdout)
		return HFP_EXIT_OK; /* the reader had enough (| head): not an error, as for cat */
	if (err) {
		fprintf(stderr, HFP_NAME ": write error on %s: %s\n", o->name, strerror(err));
		return HFP_EXIT_OUTPUT;
	}
	return HFP_EXIT_OK;
}

void hfp_out_discard(struct hfp_out *o)
{
	if (!o->f)
		return;
	if (o->is_stdout) {
		fflush(o->f);
		o->f = NULL;
		return;
	}
	fclose(o->f);
	o->f = NULL;
	free(o->buf);
	o->buf = NULL;
	if (o->created)
		unlink(o->name);
}
