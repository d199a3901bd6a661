/* Stand-in: completions. The example kernel runs no threads. */
#ifndef EXAMPLE_LINUX_COMPLETION_H
#define EXAMPLE_LINUX_COMPLETION_H

struct completion {
	unsigned int done;
};

#define DECLARE_COMPLETION(work) struct completion work = { 0 }
void complete(struct completion *x);
void wait_for_completion(struct completion *x);

#endif
