/* zip_recover.h - private to src/input/: rebuilds the central directory of a zip cut
 * short, so libzip can open what it still holds (see zip_recover.c). */
#ifndef FB_INPUT_ZIP_RECOVER_H
#define FB_INPUT_ZIP_RECOVER_H

#include <stddef.h>
#include <stdint.h>

/* Returns a new zip image (heap, caller frees) made of the complete entries at the start
 * of data plus a central directory for them, with *out_len its size and *n_kept how many
 * entries it indexes; or NULL when not one complete entry was found. Never reads past
 * data + len. */
uint8_t *fb_zip_recover(const uint8_t *data, size_t len, size_t *out_len, size_t *n_kept);

#endif /* FB_INPUT_ZIP_RECOVER_H */
