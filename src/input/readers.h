/* readers.h - private to src/input/: the readers input.c dispatches to. Each format's
 * reader lives in its own file (saz.c, har.c, later pcap.c, pcapng.c) and defines one
 * of these symbols; input.c's table maps a sniffed format to one of them.
 */
#ifndef FB_INPUT_READERS_H
#define FB_INPUT_READERS_H

#include "fbdiag/input.h"

extern const struct fb_reader fb_saz_reader; /* zip (SAZ); src/input/saz.c */
extern const struct fb_reader fb_har_reader; /* HAR, plain or gzip-wrapped; src/input/har.c */
extern const struct fb_reader fb_pcap_reader; /* pcap and pcapng; src/input/pcap.c */

#endif /* FB_INPUT_READERS_H */
