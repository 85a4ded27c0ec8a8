/* wishbox: the dispatcher. Runs the tool named by argv[0]'s basename, or by
 * the first argument (`wishbox TOOL ARGS`); lists, installs and reports the
 * methods of every tool. It knows nothing of any one tool. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../lib/exitcodes.h"
#include "../lib/method.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "cli.h"

static const char usage_text[] =
	"Usage:\n"
	" wishbox TOOL [ARGS...]\n"
	" TOOL [ARGS...]            (through a link named TOOL)\n"
	" wishbox features [-J]\n"
	" wishbox --list\n"
	" wishbox --install [--hardlinks] [--force] DIR\n"
	"\n"
	"Small Linux tools for the plumbers' wish lists: each does its job through\n"
	"the newest kernel interface, or the best fallback, and says which.\n"
	"\n"
	"Commands:\n"
	" features                  every tool's methods and whether this kernel has them\n"
	"\n"
	"Options:\n"
	" -l, --list                list the tools, one per line\n"
	"     --install DIR         create a link per tool in DIR; never replaces a\n"
	"                             file or shadows a command it did not make\n"
	"     --hardlinks           with --install: hard links instead of symlinks\n"
	"     --force               with --install: replace and shadow all the same\n"
	" -J, --json                with features: JSON output\n"
	"\n"
	" -h, --help                display this help\n"
	" -V, --version             display version\n"
	"\n"
	"Run 'wishbox TOOL --help' for a tool's options. See wishbox(1).\n";

static const struct option longopts[] = {
	{ "list", no_argument, NULL, 'l' },
	{ "install", no_argument, NULL, 'I' },
	{ "hardlinks", no_argument, NULL, 'H' },
	{ "force", no_argument, NULL, 'f' },
	{ "json", no_argument, NULL, 'J' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct tool {
	const char *name;
	int (*main)(int argc, char **argv);
	const struct method_set *methods;
	const char *summary;
};

#define TOOL(id, name, summary)               \
	int id##_main(int argc, char **argv); \
	extern const struct method_set id##_methods;
#include "tools.h"
#undef TOOL

static const struct tool tools[] = {
#define TOOL(id, name, summary) { name, id##_main, &id##_methods, summary },
#include "tools.h"
#undef TOOL
	{ NULL, NULL, NULL, NULL },
};

static const struct tool *find_tool(const char *name)
{
	for (const struct tool *t = tools; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static int run_tool(const struct tool *t, int argc, char **argv)
{
	msg_set_prog(t->name);
	argv[0] = (char *)t->name;
	return cli_finish(t->main(argc, argv));
}

static int list_tools(void)
{
	for (const struct tool *t = tools; t->name; t++)
		printf("%s\n", t->name);
	return EXIT_OK;
}

/* This binary's path, found as busybox finds it, so that it works before
 * /proc is mounted: argv[0] when it holds a '/', else the first executable
 * of that name on PATH; /proc/self/exe only when neither works. */
static int find_self(const char *argv0, char ret_path[static PATH_MAX])
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	ssize_t n;

	if (strchr(argv0, '/')) {
		if (realpath(argv0, ret_path))
			return 0;
	} else if (path) {
		for (const char *p = path; *p;) {
			size_t len = strcspn(p, ":");

			if (len > 0 && snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, argv0) < (int)sizeof(buf) &&
			    access(buf, X_OK) == 0 && realpath(buf, ret_path))
				return 0;
			p += len;
			p += *p == ':';
		}
	}
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n < 0)
		return -ENOENT;
	buf[n] = '\0';
	strcpy(ret_path, buf);
	return 0;
}

struct install {
	const char *dir;
	int dirfd;
	struct stat self_st;
	char self[PATH_MAX];
	char target[PATH_MAX]; /* what a symlink points at */
	bool hard;
	bool force;
};

/* Is the file at DIRFD/NAME (or PATH) this wishbox or a link to a wishbox?
 * A symlink whose target's name starts with "wishbox" counts too: an older
 * build's link is ours to replace. */
static bool is_wishbox(const struct install *in, int dirfd, const char *name)
{
	struct stat st;
	char buf[PATH_MAX];
	const char *base;
	ssize_t n;

	if (fstatat(dirfd, name, &st, 0) == 0 && st.st_dev == in->self_st.st_dev && st.st_ino == in->self_st.st_ino)
		return true;
	n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	return strncmp(base, "wishbox", 7) == 0;
}

/* The command of this name that a link in the install directory would hide:
 * an executable later on PATH (or in the standard directories after it)
 * that is not a wishbox. Only when the directory is on that search list. */
static bool shadows(const struct install *in, const char *name, char ret_other[static PATH_MAX])
{
	static const char std_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	const char *env = getenv("PATH");
	char search[8192], dir[PATH_MAX], buf[PATH_MAX];
	struct stat dst, st;
	bool after = false;

	if (fstat(in->dirfd, &dst) < 0)
		return false;
	if (snprintf(search, sizeof(search), "%s:%s", env ? env : "", std_path) >= (int)sizeof(search))
		return false;
	for (char *p = search, *tok; (tok = strsep(&p, ":"));) {
		if (!*tok || snprintf(dir, sizeof(dir), "%s", tok) >= (int)sizeof(dir) || stat(dir, &st) < 0)
			continue;
		if (st.st_dev == dst.st_dev && st.st_ino == dst.st_ino) {
			after = true;
			continue;
		}
		if (!after || snprintf(buf, sizeof(buf), "%s/%s", dir, name) >= (int)sizeof(buf))
			continue;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0 &&
		    !is_wishbox(in, AT_FDCWD, buf)) {
			strcpy(ret_other, buf);
			return true;
		}
	}
	return false;
}

/* Make the link under a temporary name beside NAME, then rename it over:
 * NAME is either what it was or the new link, never missing. */
static int link_atomically(const struct install *in, const char *name)
{
	char tmp[NAME_MAX + 1];

	for (unsigned i = 0;; i++) {
		int r;

		if (snprintf(tmp, sizeof(tmp), ".%s.wishbox-%ld-%u", name, (long)getpid(), i) >= (int)sizeof(tmp))
			return -ENAMETOOLONG;
		r = in->hard ? linkat(AT_FDCWD, in->self, in->dirfd, tmp, 0) : symlinkat(in->target, in->dirfd, tmp);
		if (r == 0)
			break;
		if (errno != EEXIST || i >= 100)
			return -errno;
	}
	if (renameat(in->dirfd, tmp, in->dirfd, name) < 0) {
		int e = -errno;

		unlinkat(in->dirfd, tmp, 0);
		return e;
	}
	return 0;
}

/* Already the link we would make: nothing to do. */
static bool up_to_date(const struct install *in, const char *name)
{
	struct stat st;
	char buf[PATH_MAX];
	ssize_t n;

	if (in->hard)
		return fstatat(in->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == in->self_st.st_dev &&
		       st.st_ino == in->self_st.st_ino;
	n = readlinkat(in->dirfd, name, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, in->target) == 0;
}

/* One tool's link: EXIT_OK when made, up to date or skipped (said on
 * stderr), EXIT_RUNTIME when it could not be made. */
static int install_one(const struct install *in, const char *name)
{
	char other[PATH_MAX];
	struct stat st;
	int r;

	if (fstatat(in->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (up_to_date(in, name))
			return EXIT_OK;
		if (!in->force && !is_wishbox(in, in->dirfd, name)) {
			msg_warn("skipped %s/%s: a file of that name is there (--force replaces it)", in->dir, name);
			return EXIT_OK;
		}
	} else if (errno != ENOENT) {
		msg_errno(-errno, "%s/%s", in->dir, name);
		return EXIT_RUNTIME;
	}
	if (!in->force && shadows(in, name, other)) {
		msg_warn("skipped %s/%s: it would shadow %s; 'wishbox %s' runs ours (--force installs it)", in->dir,
			 name, other, name);
		return EXIT_OK;
	}
	r = link_atomically(in, name);
	if (r < 0) {
		msg_errno(r, "cannot create %s/%s", in->dir, name);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int install_links(const char *argv0, const char *dir, bool hard, bool force)
{
	struct install in = { .dir = dir, .hard = hard, .force = force };
	struct stat dst;
	char *slash;
	int ret = EXIT_OK, r;

	if (find_self(argv0, in.self) < 0 || stat(in.self, &in.self_st) < 0) {
		msg_err("cannot find this binary: run it by its path, or put it on PATH");
		return EXIT_RUNTIME;
	}
	in.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (in.dirfd < 0) {
		msg_errno(-errno, "%s", dir);
		return EXIT_RUNTIME;
	}
	/* Links beside the binary point at its name alone: the directory can
	 * move (a staged install, an initramfs) and the links keep working. */
	strcpy(in.target, in.self);
	slash = strrchr(in.self, '/');
	if (slash && fstat(in.dirfd, &dst) == 0) {
		struct stat sdir;

		*slash = '\0';
		if (stat(slash == in.self ? "/" : in.self, &sdir) == 0 && sdir.st_dev == dst.st_dev &&
		    sdir.st_ino == dst.st_ino)
			strcpy(in.target, slash + 1);
		*slash = '/';
	}
	for (const struct tool *t = tools; t->name; t++) {
		r = install_one(&in, t->name);
		if (r != EXIT_OK)
			ret = r;
	}
	close(in.dirfd);
	return ret;
}

/* The human table of `wishbox features` fits 80 columns (79 characters and
 * the newline): the reason wraps at spaces under its own column (JSON keeps
 * it whole). */
enum { FEATURES_WIDTH = 79 };

struct features_cols {
	int tool, method, avail;
};

static void human_wrapped(struct out *o, const char *text, int indent)
{
	int width = FEATURES_WIDTH - indent, col = 0;

	if (width < 20)
		width = 20;
	while (*text) {
		size_t len = strcspn(text, " ");

		if (col > 0 && col + 1 + (int)len > width) {
			out_human(o, "\n%*s", indent, "");
			col = 0;
		} else if (col > 0) {
			out_human(o, " ");
			col++;
		}
		out_human(o, "%.*s", (int)len, text);
		col += (int)len;
		text += len;
		text += strspn(text, " ");
	}
	out_human(o, "\n");
}

static void features_of(struct out *o, const struct tool *t, const struct features_cols *w)
{
	const char *chosen = NULL;
	char why[METHOD_WHY_MAX];

	out_object_begin(o, NULL);
	out_str(o, "tool", t->name);
	for (size_t i = 0; i < t->methods->n && !chosen; i++)
		if (t->methods->v[i].probe(NULL, why, sizeof(why)) == 0)
			chosen = t->methods->v[i].name;
	out_str(o, "auto", chosen);
	out_array_begin(o, "methods");
	for (size_t i = 0; i < t->methods->n; i++) {
		const struct method *m = &t->methods->v[i];
		bool ok;

		why[0] = '\0';
		ok = m->probe(NULL, why, sizeof(why)) == 0;
		out_object_begin(o, NULL);
		out_str(o, "method", m->name);
		out_str(o, "summary", m->summary);
		out_bool(o, "available", ok);
		out_str(o, "reason", why);
		out_object_end(o);
		out_human(o, "%-*s %-*s %-*s ", w->tool, t->name, w->method, m->name, w->avail,
			  ok ? (m->name == chosen ? "yes, auto" : "yes") : "no");
		human_wrapped(o, why, w->tool + w->method + w->avail + 3);
	}
	out_array_end(o);
	out_object_end(o);
}

static int features(int argc, char **argv)
{
	struct out o;
	struct utsname u;
	struct features_cols w = { .tool = 4, .method = 6, .avail = 9 };
	bool json = false;
	int c;

	optind = 1;
	argv[0] = (char *)"wishbox";
	while ((c = getopt_long(argc, argv, "+JhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': json = true; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		case 'V': return msg_version();
		default: return msg_try_help();
		}
	}
	if (optind < argc)
		return msg_usage("features: unexpected argument '%s'", argv[optind]);
	uname(&u);
	out_init(&o, stdout, json ? OUT_JSON : OUT_HUMAN);
	out_begin(&o);
	out_str(&o, "kernel", u.release);
	for (const struct tool *t = tools; t->name; t++) {
		if ((int)strlen(t->name) > w.tool)
			w.tool = (int)strlen(t->name);
		for (size_t i = 0; i < t->methods->n; i++)
			if ((int)strlen(t->methods->v[i].name) > w.method)
				w.method = (int)strlen(t->methods->v[i].name);
	}
	out_human(&o, "kernel %s\n%-*s %-*s %-*s %s\n", u.release, w.tool, "TOOL", w.method, "METHOD", w.avail,
		  "AVAILABLE", "REASON");
	out_array_begin(&o, "tools");
	for (const struct tool *t = tools; t->name; t++)
		features_of(&o, t, &w);
	out_array_end(&o);
	out_human(&o, "\n");
	human_wrapped(&o,
		      "auto: the method a tool takes when no --method is given: the first one, best first, that "
		      "works here. -J gives each reason whole.",
		      0);
	out_end(&o);
	return EXIT_OK;
}

static int wishbox_main(int argc, char **argv)
{
	bool install = false, hard = false, force = false;
	const char *argv0 = argv[0];
	int c;

	if (argc > 1 && argv[1][0] != '-') {
		const struct tool *t = find_tool(argv[1]);

		if (strcmp(argv[1], "features") == 0)
			return cli_finish(features(argc - 1, argv + 1));
		if (!t) {
			msg_err("unknown tool '%s' (see 'wishbox --list')", argv[1]);
			return EXIT_NOT_FOUND;
		}
		return run_tool(t, argc - 1, argv + 1);
	}
	/* getopt names argv[0] in its messages: the name, not the path. */
	argv[0] = (char *)"wishbox";
	while ((c = getopt_long(argc, argv, "lhVJ", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': return cli_finish(list_tools());
		case 'I': install = true; break;
		case 'H': hard = true; break;
		case 'f': force = true; break;
		case 'J': return msg_usage("--json goes with 'wishbox features'");
		case 'h': fputs(usage_text, stdout); return cli_finish(EXIT_OK);
		case 'V': return cli_finish(msg_version());
		default: return msg_try_help();
		}
	}
	if ((hard || force) && !install)
		return msg_usage("--hardlinks and --force go with --install DIR");
	if (install) {
		if (optind == argc)
			return msg_usage("--install needs a directory");
		if (optind + 1 < argc)
			return msg_usage("unexpected argument '%s'", argv[optind + 1]);
		return cli_finish(install_links(argv0, argv[optind], hard, force));
	}
	if (optind < argc)
		return msg_usage("unexpected argument '%s'", argv[optind]);
	return msg_usage("no tool given");
}

int main(int argc, char **argv)
{
	const char *base;
	const struct tool *t;

	/* Writers see EPIPE instead of dying, so a closed pipe ends a stream
	 * quietly with a proper exit code. */
	signal(SIGPIPE, SIG_IGN);
	/* A closed stdin, stdout or stderr would be the number the next open
	 * gets: a device we write, and then our messages over its data. */
	if (cli_open_std_fds() < 0)
		return EXIT_RUNTIME;
	if (argc < 1 || !argv[0])
		return EXIT_USAGE;
	base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	t = find_tool(base);
	if (t)
		return run_tool(t, argc, argv);
	msg_set_prog("wishbox");
	/* A link with a name we do not know is a tool we do not have. */
	if (strncmp(base, "wishbox", 7) != 0) {
		msg_err("unknown tool '%s' (see 'wishbox --list')", base);
		return EXIT_NOT_FOUND;
	}
	return wishbox_main(argc, argv);
}
