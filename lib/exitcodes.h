/* The one table of exit codes every wishbox tool uses (see wishbox(1)). */
#ifndef WISHBOX_EXITCODES_H
#define WISHBOX_EXITCODES_H

enum {
	EXIT_OK = 0,          /* success; the answer is yes */
	EXIT_NO = 1,          /* the documented negative answer */
	EXIT_USAGE = 2,       /* bad command line */
	EXIT_TIMEOUT = 3,     /* --timeout expired */
	EXIT_RUNTIME = 4,     /* a system call failed, or bad input data */
	EXIT_UNSUPPORTED = 5, /* no usable method on this system */
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

#endif
