/* test_print_debugfile.c: compressed ELF sections inflated ahead of libdw
 * (symbol/hfp_debugfile.c), on copies of this very binary that objcopy compresses: the copy
 * holds every section the uncompressed original holds, byte for byte and no longer marked
 * compressed, but those that naming frames never reads (locations, macros: empty, SHT_NOBITS);
 * a file with nothing compressed, or a damaged compressed section, comes back as
 * the descriptor given, untouched, for libelf to judge as before. */
#include <fcntl.h>
#include <gelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/print/symbol/hfp_debugfile.h"

static char exe[4096], dir[4096], packed[4200];

static int setup(void **state)
{
	(void)state;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(n > 0);
	exe[n] = 0;
	const char *tmp = getenv("HF_TEST_TMP");
	snprintf(dir, sizeof dir, "%s/debugfile-%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(packed, sizeof packed, "%s/packed", dir);
	elf_version(EV_CURRENT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(packed);
	rmdir(dir);
	return 0;
}

/* objcopy --compress-debug-sections=zlib: binutils, which the build itself needs (a test that
 * could not run would otherwise pass in silence). */
static int compress_copy(void)
{
	char cmd[9000];
	snprintf(cmd, sizeof cmd, "objcopy --compress-debug-sections=zlib '%s' '%s' 2>/dev/null", exe, packed);
	return system(cmd) == 0;
}

static Elf_Scn *section_named(Elf *e, const char *want)
{
	size_t shstrndx;
	assert_int_equal(elf_getshdrstrndx(e, &shstrndx), 0);
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn)) != NULL;) {
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		if (name && strcmp(name, want) == 0)
			return scn;
	}
	return NULL;
}

static void test_compressed_sections_come_back_inflated_byte_for_byte(void **state)
{
	(void)state;
	assert_true(compress_copy());
	int fd = open(packed, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	int copy = hfp_debugfile_inflate(fd);
	assert_true(copy >= 0);
	assert_int_not_equal(copy, fd); /* and fd was closed */
	assert_int_equal(fcntl(fd, F_GETFD), -1);

	int ofd = open(exe, O_RDONLY | O_CLOEXEC);
	Elf *orig = elf_begin(ofd, ELF_C_READ, NULL), *got = elf_begin(copy, ELF_C_READ, NULL);
	assert_non_null(orig);
	assert_non_null(got);
	size_t shstrndx, checked = 0, dropped = 0;
	assert_int_equal(elf_getshdrstrndx(orig, &shstrndx), 0);
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(orig, scn)) != NULL;) {
		GElf_Shdr a, b;
		gelf_getshdr(scn, &a);
		const char *name = elf_strptr(orig, shstrndx, a.sh_name);
		if (a.sh_type == SHT_NOBITS || !name || strncmp(name, ".debug_", 7) != 0)
			continue;
		Elf_Scn *other = section_named(got, name);
		assert_non_null(other);
		gelf_getshdr(other, &b);
		assert_false(b.sh_flags & SHF_COMPRESSED);
		if (strcmp(name, ".debug_loclists") == 0 || strcmp(name, ".debug_loc") == 0 ||
		    strncmp(name, ".debug_mac", 10) == 0) {
			assert_int_equal(b.sh_type, SHT_NOBITS);
			assert_int_equal(b.sh_size, 0);
			dropped++;
			continue;
		}
		assert_int_equal(a.sh_size, b.sh_size);
		Elf_Data *da = elf_rawdata(scn, NULL), *db = elf_rawdata(other, NULL);
		assert_non_null(da);
		assert_non_null(db);
		assert_int_equal(da->d_size, db->d_size);
		assert_memory_equal(da->d_buf, db->d_buf, da->d_size);
		checked++;
	}
	assert_true(checked >= 3); /* .debug_info, .debug_abbrev, .debug_line at least */
	assert_true(dropped >= 1); /* gcc -O2 -g writes .debug_loclists */
	/* The sections that were never compressed are where they were. */
	Elf_Scn *text = section_named(got, ".text");
	assert_non_null(text);
	elf_end(orig);
	elf_end(got);
	close(ofd);
	close(copy);
}

static void test_uncompressed_file_comes_back_as_given(void **state)
{
	(void)state;
	int fd = open(exe, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(hfp_debugfile_inflate(fd), fd);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
	assert_int_equal(hfp_debugfile_inflate(-1), -1);
}

/* A byte of .debug_info's deflate stream changed: the copy cannot be made whole, so the file is
 * left to libelf (which reports it to libdw as it always did). */
static void test_damaged_section_comes_back_as_given(void **state)
{
	(void)state;
	assert_true(compress_copy());
	int fd = open(packed, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	GElf_Shdr sh;
	Elf_Scn *scn = section_named(e, ".debug_info");
	assert_non_null(scn);
	gelf_getshdr(scn, &sh);
	assert_true(sh.sh_flags & SHF_COMPRESSED);
	elf_end(e);
	off_t at = (off_t)(sh.sh_offset + sh.sh_size / 2);
	unsigned char b;
	assert_int_equal(pread(fd, &b, 1, at), 1);
	b ^= 0xff;
	assert_int_equal(pwrite(fd, &b, 1, at), 1);
	assert_int_equal(hfp_debugfile_inflate(fd), fd);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compressed_sections_come_back_inflated_byte_for_byte),
		cmocka_unit_test(test_uncompressed_file_comes_back_as_given),
		cmocka_unit_test(test_damaged_section_comes_back_as_given),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
