/* leak_canary.c - leaks on purpose. Built and run alone by `make check-leaks` under the
 * sanitizer build: LeakSanitizer must report it and exit non-zero, which proves the leak
 * check of the end-to-end cases can fail. Not linked into anything else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *volatile lost = malloc(4096);
    if (!lost)
        return 2;
    memset(lost, 'x', 4096);
    printf("canary: leaked %c\n", lost[0]);
    lost = NULL;
    return 0;
}
