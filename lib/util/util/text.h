/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Text from callers: where to cut it without splitting a UTF-8 character, whether it is valid
 * UTF-8 as D-Bus (and sd-bus) want it, and how to write it on one line.
 */

#include <stdbool.h>
#include <stddef.h>

/* The length of the longest prefix of @s of at most @max bytes that is valid UTF-8: a cut that
 * never splits a character (and stops before the first invalid byte). */
size_t utf8_valid_prefix(const char *s, size_t max);
/* "%.*s" arguments for @s cut to at most @max bytes on a character boundary. */
#define UTF8_CUT(s, max) (int) utf8_valid_prefix((s), (max)), (s)
/* Whether all of @s is valid UTF-8: no overlong form, surrogate, noncharacter or code point
 * above U+10FFFF (sd-bus refuses to send a string with any of these). */
bool utf8_is_valid(const char *s);
/* A heap copy of @s with each byte that is not part of a valid character replaced by U+FFFD.
 * Return: NULL when out of memory. */
char *utf8_make_valid(const char *s);
/* A heap copy of @s with every control character (U+0000-U+001F and U+007F) written as \n, \r,
 * \t or \xNN, so that the result is one line. Return: NULL when out of memory. */
char *escape_control(const char *s);
/* Whether @s has a control character (U+0001-U+001F or U+007F). */
bool has_control(const char *s);
