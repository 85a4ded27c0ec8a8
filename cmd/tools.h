/* THE registry of tools: one line each, in alphabetical order.
 *
 *   TOOL(id, "name", "one-line summary")
 *
 * id is the name as a C identifier ("-" becomes "_"). cmd/<name>.c defines
 * `int <id>_main(int argc, char **argv)` and
 * `const struct method_set <id>_methods`. Nothing else lists tools: the
 * dispatcher, `--list`, `wishbox features`, the build's tool links and the
 * tests all come from here. */
TOOL(cgkill, "cgkill", "kill every process of a cgroup tree, race-free against forks, and wait until it is empty")
TOOL(detect_pidns, "detect-pidns", "tell whether a process runs in a child PID namespace, also without /proc")
TOOL(fatlabel, "fatlabel", "read and change FAT labels and volume IDs, mounted or not")
TOOL(flocktimeout, "flocktimeout", "hold a BSD lock around a command, with a timeout that always fires")
TOOL(mountwatch, "mountwatch", "print mount table changes as they happen")
TOOL(pidwait, "pidwait", "wait for any processes to exit, race-free, and say how they ended")
TOOL(scmfilter_test, "scmfilter-test", "check AF_UNIX fd-passing defences and sender identity, kernel feature or fallback")
TOOL(setcomm_exec, "setcomm-exec", "start a program from one open file under the process name you choose")
