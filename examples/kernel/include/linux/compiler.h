/* Stand-in: the attribute macros the example uses. */
#ifndef EXAMPLE_LINUX_COMPILER_H
#define EXAMPLE_LINUX_COMPILER_H

#define __used __attribute__((__used__))
#define __section(s) __attribute__((__section__(s)))
#ifdef __clang__
#define __visible
#else
#define __visible __attribute__((__externally_visible__))
#endif
#define __aligned(n) __attribute__((__aligned__(n)))

#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)
#define ___PASTE(a, b) a##b
#define __PASTE(a, b) ___PASTE(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#endif
