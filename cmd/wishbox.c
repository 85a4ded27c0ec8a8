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
	" wishbox --install [--hardlinks] DIR\n"
	"\n"
	"Small Linux tools for the plumbers' wish lists: each does its job through\n"
	"the newest kernel interface, or the best fallback, and says which.\n"
	"\n"
	"Commands:\n"
	" features                  every tool's methods and whether this kernel has them\n"
	"\n"
	"Options:\n"
	" -l, --list                list the tools, one per line\n"
	"     --install DIR         create a link per tool in DIR\n"
	"     --hardlinks           with --install: hard links instead of symlinks\n"
	" -J, --json                with features: JSON output\n"
	"\n"
	" -h, --help                display this help\n"
	" -V, --version             display version\n"
	"\n"
	"Run 'wishbox TOOL --help' for a tool's options. See wishbox(1).\n";

static const struct option longopts[] = {
	{ "list", no_argument, NULL, 'l' },
	{ "install", required_argument, NULL, 'I' },
	{ "hardlinks", no_argument, NULL, 'H' },
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

static int install_links(const char *dir, bool hard)
{
	char self[PATH_MAX], path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0) {
		msg_errno(-errno, "cannot find this binary (is /proc mounted?)");
		return EXIT_RUNTIME;
	}
	self[n] = '\0';
	for (const struct tool *t = tools; t->name; t++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, t->name) >= (int)sizeof(path)) {
			msg_err("%s: path too long", dir);
			return EXIT_RUNTIME;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			msg_errno(-errno, "cannot replace %s", path);
			return EXIT_RUNTIME;
		}
		if ((hard ? link(self, path) : symlink(self, path)) < 0) {
			msg_errno(-errno, "cannot create %s", path);
			return EXIT_RUNTIME;
		}
	}
	return EXIT_OK;
}

static void features_of(struct out *o, const struct tool *t)
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
		out_str(o, "name", m->name);
		out_str(o, "summary", m->summary);
		out_bool(o, "available", ok);
		out_str(o, "reason", why);
		out_object_end(o);
		out_human(o, "%-14s %-12s %-9s %s\n", t->name, m->name,
			  ok ? (m->name == chosen ? "yes, auto" : "yes") : "no", why);
	}
	out_array_end(o);
	out_object_end(o);
}

static int features(int argc, char **argv)
{
	struct out o;
	struct utsname u;
	bool json = false;
	int c;

	optind = 1;
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
	out_human(&o, "kernel %s\n%-14s %-12s %-9s %s\n", u.release, "TOOL", "METHOD", "AVAILABLE", "REASON");
	out_array_begin(&o, "tools");
	for (const struct tool *t = tools; t->name; t++)
		features_of(&o, t);
	out_array_end(&o);
	out_end(&o);
	return EXIT_OK;
}

static int wishbox_main(int argc, char **argv)
{
	const char *install_dir = NULL;
	bool hard = false;
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
	while ((c = getopt_long(argc, argv, "+lhVJ", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': return cli_finish(list_tools());
		case 'I': install_dir = optarg; break;
		case 'H': hard = true; break;
		case 'J': return msg_usage("--json goes with 'wishbox features'");
		case 'h': fputs(usage_text, stdout); return cli_finish(EXIT_OK);
		case 'V': return cli_finish(msg_version());
		default: return msg_try_help();
		}
	}
	if (optind < argc)
		return msg_usage("unexpected argument '%s'", argv[optind]);
	if (hard && !install_dir)
		return msg_usage("--hardlinks goes with --install DIR");
	if (install_dir)
		return install_links(install_dir, hard);
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
