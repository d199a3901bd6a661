/* Stand-in: printk is a vmlinux symbol. */
#ifndef EXAMPLE_LINUX_PRINTK_H
#define EXAMPLE_LINUX_PRINTK_H

int _printk(const char *fmt, ...) __attribute__((__format__(printf, 1, 2)));
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_err(fmt, ...) _printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...) _printk(pr_fmt(fmt), ##__VA_ARGS__)

#endif
