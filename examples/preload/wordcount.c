/* wordcount: counts the words of a generated text with a hash table. A small program with the
 * shapes a heap profile should reveal: a temporary hot spot (a lower-cased copy of every word,
 * freed at once), a larger temporary buffer (a 2 KiB progress line every 1000 words), a table
 * that grows by calloc and copy, and a deliberate leak (the table's entries are never freed).
 * Run it under heapfold: see docs/preload.md; make demo does. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *word;
	unsigned long count;
};

struct table {
	struct entry *slots;
	size_t cap, used;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

/* A lower-cased copy of the word: allocated and freed for every word (temporary). */
static char *normalise(const char *w, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	for (size_t i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)w[i]);
	s[n] = 0;
	return s;
}

static void grow(struct table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct entry *slots = calloc(cap, sizeof *slots);
	if (!slots)
		abort();
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slots[i].word)
			continue;
		size_t j = hash(t->slots[i].word) & (cap - 1);
		while (slots[j].word)
			j = (j + 1) & (cap - 1);
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
}

static void count_word(struct table *t, const char *w, size_t n)
{
	char *s = normalise(w, n);
	if (2 * (t->used + 1) > t->cap)
		grow(t);
	size_t j = hash(s) & (t->cap - 1);
	while (t->slots[j].word && strcmp(t->slots[j].word, s) != 0)
		j = (j + 1) & (t->cap - 1);
	if (!t->slots[j].word) {
		t->slots[j].word = strdup(s); /* kept until exit: never freed (the leak) */
		t->used++;
	}
	t->slots[j].count++;
	free(s);
}

/* Every 1000 words, a progress line is formatted in a scratch buffer of 2 KiB and dropped: a
 * temporary allocation of 1 KiB or more (README: --temporary --min-size 1K). */
static size_t summarise_batch(const struct table *t, long done)
{
	char *line = malloc(2048);
	if (!line)
		abort();
	int n = snprintf(line, 2048, "%ld words, %zu distinct so far", done, t->used);
	free(line);
	return n > 0 ? (size_t)n : 0;
}

static const char *syllables[] = { "ka", "lo", "mi", "ne", "ru", "ta", "vo", "xe", "zu", "pe" };

int main(int argc, char **argv)
{
	long words = argc > 1 ? atol(argv[1]) : 200000;
	struct table t = { 0 };
	char w[32];
	unsigned long seed = 42;
	for (long i = 0; i < words; i++) {
		size_t n = 0;
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		int parts = 1 + (int)((seed >> 33) % 4);
		for (int k = 0; k < parts; k++) {
			const char *syl = syllables[(seed >> (k * 4 + 8)) % 10];
			w[n++] = (char)(k == 0 && (seed & 1) ? toupper((unsigned char)syl[0]) : syl[0]);
			w[n++] = syl[1];
		}
		count_word(&t, w, n);
		if ((i + 1) % 1000 == 0)
			summarise_batch(&t, i + 1);
	}
	unsigned long best = 0;
	const char *best_word = "";
	for (size_t i = 0; i < t.cap; i++) {
		if (t.slots[i].word && t.slots[i].count > best) {
			best = t.slots[i].count;
			best_word = t.slots[i].word;
		}
	}
	printf("%ld words, %zu distinct, most frequent: %s (%lu)\n", words, t.used, best_word, best);
	free(t.slots);
	return 0;
}
