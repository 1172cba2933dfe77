/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replays a fuzz target's saved corpus as a plain test, in every build (gcc included): each
 * file of each directory given on the command line is fed to LLVMFuzzerTestOneInput() once.
 * A crash, an abort or a sanitizer report fails the test. Prints "N passed, 0 failed".
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
        FILE *f = fopen(path, "rbe");
        unsigned char *buf;
        long size;

        if (!f)
                return -1;
        if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                fclose(f);
                return -1;
        }
        buf = malloc((size_t) size + 1);
        if (!buf || fread(buf, 1, (size_t) size, f) != (size_t) size) {
                free(buf);
                fclose(f);
                return -1;
        }
        fclose(f);
        (void) LLVMFuzzerTestOneInput(buf, (size_t) size);
        free(buf);
        return 0;
}

int main(int argc, char *argv[])
{
        unsigned n = 0;

        for (int i = 1; i < argc; i++) {
                DIR *d = opendir(argv[i]);
                struct dirent *de;

                if (!d) {
                        fprintf(stderr, "%s: cannot open corpus directory\n", argv[i]);
                        return 1;
                }
                while ((de = readdir(d))) {
                        char path[4096];

                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
                        if (replay_file(path) < 0) {
                                fprintf(stderr, "%s: cannot read\n", path);
                                closedir(d);
                                return 1;
                        }
                        n++;
                }
                closedir(d);
        }
        if (n == 0) {
                fprintf(stderr, "empty corpus\n");
                return 1;
        }
        printf("%u passed, 0 failed\n", n);
        return 0;
}
