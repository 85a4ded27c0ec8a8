/* Lexical path normalization and prefix tests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pathnorm.h"

int path_normalize(const char *path, const char *cwd, char **ret)
{
	size_t plen = strlen(path), clen = cwd ? strlen(cwd) : 0;
	char *out, *o;
	const char *p;

	if (path[0] != '/' && (!cwd || cwd[0] != '/'))
		return -EINVAL;
	out = malloc(plen + clen + 3);
	if (!out)
		return -ENOMEM;
	o = out;
	/* Walk cwd then path as one list of components. */
	for (int part = path[0] == '/' ? 1 : 0; part < 2; part++) {
		p = part ? path : cwd;
		while (*p) {
			const char *e;
			size_t n;

			while (*p == '/')
				p++;
			e = strchrnul(p, '/');
			n = (size_t)(e - p);
			if (n == 0 || (n == 1 && p[0] == '.')) {
				/* nothing */
			} else if (n == 2 && p[0] == '.' && p[1] == '.') {
				while (o > out && *--o != '/')
					;
			} else {
				*o++ = '/';
				memcpy(o, p, n);
				o += n;
			}
			p = e;
		}
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	*ret = out;
	return 0;
}

bool path_is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}
