// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/init.h>

struct fips140_btftest_state {
	unsigned long calls;
	const char *label;
	struct list_head node;
};

static struct fips140_btftest_state btftest_state = { .label = "btf" };

int fips140_btftest_touch(struct fips140_btftest_state *s, int n);
int fips140_btftest_touch(struct fips140_btftest_state *s, int n)
{
	s->calls += n;
	return (int)s->calls;
}
EXPORT_SYMBOL_GPL(fips140_btftest_touch);

static int __init btftest_init(void)
{
	INIT_LIST_HEAD(&btftest_state.node);
	return fips140_btftest_touch(&btftest_state, 0);
}

static void __exit btftest_exit(void)
{
}

module_init(btftest_init);
module_exit(btftest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("BTF splitter test module");
