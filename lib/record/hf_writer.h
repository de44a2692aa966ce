/* hf_writer.h: the trace file and the meta stream (hf_writer.c): the recorder's only sink. */
#ifndef HF_WRITER_H
#define HF_WRITER_H

#include "hf_base.h"
#include "hf_thread.h"
/* Creates the trace file (never overwrites, never follows a symlink); alternatives: if it
 * exists, try NAME.1.gz, NAME.2.gz, ... instead. 0, or -1 after one line on stderr. */
int hf_writer_open(const char *path, int alternatives);
/* The trace's path from the root, as created (after hf_writer_open). */
const char *hf_writer_path(void);
/* Stops writing after an error other than a write's (out of memory): one line on stderr.
 * Callable with any of the recorder's locks held. */
void hf_writer_fail(const char *why);
void hf_writer_lock(void);
void hf_writer_unlock(void);
/* Compresses and writes one event chunk, after any pending meta records (format.md 4: NODEs
 * before their use): body, n bytes, is its columns gathered (hf_cols_gather). locked: the caller
 * holds hf_writer_lock. poor: the stream's last chunk compressed poorly (the faster level, as
 * hf_writer_events_cols chooses). Returns 0 or -1. */
int hf_writer_events(struct hf_chunk_hdr *hdr, const void *body, size_t n,
		     const struct hf_counts *c, int locked, int poor);
/* The same from the columns in buf, which the writer gathers into a buffer of its own (the owner
 * of buf, which it does not lock). *poor, the thread's: its last chunk compressed poorly, so
 * this one is compressed at the faster level; set for the next from this one's result. */
int hf_writer_events_cols(struct hf_chunk_hdr *hdr, const struct hf_colw *cols, const uint8_t *buf,
			  const struct hf_counts *c, int *poor);
/* Writes pending meta records now. */
void hf_writer_flush_meta(int locked);
/* Flushes meta, appends CLOSE with the totals of what was written (nodes: how many stack nodes
 * the trace holds), closes the file. last_meta, if not NULL, is called with the meta lock held
 * to append the records that must come last, in chunks of their own before CLOSE's. */
void hf_writer_close(uint64_t exit_status, uint32_t nodes, void (*last_meta)(void));
/* Forked child: drop the file (close the inherited descriptor) without writing anything. */
void hf_writer_fork_child(void);
/* A child's copies of the writer's locks start over unlocked. */
void hf_writer_fork_reinit(void);
/* Meta stream: the meta lock also guards hf_stack.c's table and hf_modules.c's list. */
void hf_meta_lock(void);
void hf_meta_unlock(void);
int hf_meta_record(uint8_t tag, const void *body, size_t len); /* meta lock held; 0 or -1 */
/* Meta lock held. Node id (the next one) under parent (0: none), whose frame is parent_frame. */
int hf_meta_node(uint32_t id, uint32_t parent, uint64_t frame, uint64_t parent_frame);
/* Whether the trace file failed (nothing more is written). */
int hf_writer_failed(void);
/* For the background thread: whether nothing more is written; a SAMPLE record (the free epoch,
 * the time, the RSS); whether meta records have waited at least age ns at time now. */
int hf_writer_dead(void);
void hf_writer_sample(uint64_t epoch, uint64_t t, uint64_t rss);
int hf_writer_meta_older(uint64_t now, uint64_t age);

#endif
