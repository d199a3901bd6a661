/* Test stand-in for the kernel's <linux/printk.h>. */
#ifndef KSTUB_PRINTK_H
#define KSTUB_PRINTK_H
int kstub_log(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
#define pr_err(fmt, ...) kstub_log(pr_fmt(fmt), ##__VA_ARGS__)
#endif
