/* Test stand-in for the kernel's <linux/completion.h>. */
#ifndef KSTUB_COMPLETION_H
#define KSTUB_COMPLETION_H
struct completion {
	unsigned int done;
};
#define DECLARE_COMPLETION(work) struct completion work = { 0 }
void complete(struct completion *x);
void wait_for_completion(struct completion *x);
#endif
