/* Test stand-in for the kernel's <linux/list.h>. */
#ifndef KSTUB_LIST_H
#define KSTUB_LIST_H
#include <stddef.h>
struct list_head {
	struct list_head *next, *prev;
};
#define list_entry(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define list_for_each_entry(pos, head, member)                              \
	for (pos = list_entry((head)->next, __typeof__(*pos), member);      \
	     &pos->member != (head);                                        \
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#endif
