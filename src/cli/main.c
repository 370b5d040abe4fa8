/* main.c - placeholder until cli lands. */
#include <stdio.h>
int main(void)
{
    puts("fbdiag " FB_VERSION);
    return 0;
}
