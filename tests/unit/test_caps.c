/* Unit tests for lib/caps: the answer matches the effective set, and a
 * missing capability gives a reason that names it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/caps.h"

static void names_in_upper_case(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(caps_name(CAP_SYS_ADMIN, buf, sizeof(buf)), "CAP_SYS_ADMIN");
	assert_string_equal(caps_name(CAP_NET_ADMIN, buf, sizeof(buf)), "CAP_NET_ADMIN");
	assert_string_equal(caps_name(CAP_SYS_ADMIN, buf, 4), "CAP");
}

/* Drop CAP_SYS_ADMIN from the effective set in a child: the answer follows
 * the set, and the reason names the capability. */
static void follows_the_effective_set(void **state)
{
	cap_value_t v = CAP_SYS_ADMIN;
	char why[128];
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(caps_have(CAP_SYS_ADMIN), 1);
	assert_int_equal(caps_need(CAP_SYS_ADMIN, why, sizeof(why)), 0);
	pid = fork();
	if (pid == 0) {
		cap_t c = cap_get_proc();

		cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
		if (cap_set_proc(c) < 0)
			_exit(3);
		if (caps_have(CAP_SYS_ADMIN) != 0)
			_exit(4);
		if (caps_need(CAP_SYS_ADMIN, why, sizeof(why)) != -EPERM ||
		    strcmp(why, "needs CAP_SYS_ADMIN (not held)") != 0)
			_exit(5);
		_exit(caps_have(CAP_CHOWN) == 1 ? 0 : 6);
	}
	assert_true(waitpid(pid, &status, 0) == pid);
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_in_upper_case),
		cmocka_unit_test(follows_the_effective_set),
	};

	return cmocka_run_group_tests_name("caps", tests, NULL, NULL);
}
