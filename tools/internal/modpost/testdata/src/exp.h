/* Test-only stand-ins for the kernel's module macros. They produce the
 * section layouts that modpost reads (described in docs/modpost-facts.md),
 * written from the format, not from kernel code. */
#define STR_(x) #x
#define STR(x) STR_(x)

/* One .export_symbol entry: a label, the license and namespace strings,
 * then an 8-aligned pointer to the symbol. */
#define EXPORT_ENTRY(label, sym, lic, ns)                                  \
	__asm__(".section \".export_symbol\",\"a\"\n"                      \
		STR(label) ":\n"                                           \
		".asciz \"" lic "\"\n"                                     \
		".ascii \"" ns "\\0\"\n"                                   \
		".balign 8\n"                                              \
		".quad " STR(sym) "\n"                                     \
		".previous\n")

#define EXPORT(sym) EXPORT_ENTRY(__export_symbol_##sym, sym, "", "")
#define EXPORT_GPL(sym) EXPORT_ENTRY(__export_symbol_##sym, sym, "GPL", "")
#define EXPORT_NS_GPL(sym, ns) EXPORT_ENTRY(__export_symbol_##sym, sym, "GPL", ns)
#define EXPORT_NS(sym, ns) EXPORT_ENTRY(__export_symbol_##sym, sym, "", ns)

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

/* One .modinfo string "tag=value". */
#define MODINFO(tag, value)                                                \
	static const char __attribute__((section(".modinfo"), used,         \
					 aligned(1)))                       \
	CAT(modinfo_##tag##_, __LINE__)[] = #tag "=" value

/* Device table entry layouts modpost decodes (64-bit targets). */
struct test_x86_cpu_id {
	unsigned short vendor, family, model, steppings, feature, flags;
	unsigned char platform_mask, type;
	unsigned long driver_data;
};
struct test_cpu_feature {
	unsigned short feature;
};

/* The alias symbol MODULE_DEVICE_TABLE makes:
 * __mod_device_table__kmod_<mod>__<type>__<table>, a local object. */
#define DEVICE_TABLE(mod, type, table)                                    \
	static __typeof__(table)                                          \
	__mod_device_table__kmod_##mod##__##type##__##table                \
	__attribute__((used, alias(#table)))
