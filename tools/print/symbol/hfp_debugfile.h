/* hfp_debugfile.h: an ELF file whose sections are compressed (Debian's debug files, gcc -gz),
 * inflated once with libdeflate into an anonymous in-memory file that libdwfl reads as it is. */
#ifndef HFP_DEBUGFILE_H
#define HFP_DEBUGFILE_H

/* fd: an ELF file open for reading. If it is a 64-bit little-endian ELF with zlib-compressed
 * sections (SHF_COMPRESSED), returns a new descriptor (close-on-exec, at offset 0) of a copy
 * whose sections are stored inflated, and closes fd; otherwise, or when anything about the
 * file is not as expected, returns fd itself, untouched: libelf then inflates the sections
 * itself, with the same result. */
int hfp_debugfile_inflate(int fd);

#endif
