/* Test stand-in for the kernel's <linux/rwsem.h>. */
#ifndef KSTUB_RWSEM_H
#define KSTUB_RWSEM_H
struct rw_semaphore {
	int readers, writers;
};
void down_read(struct rw_semaphore *sem);
void up_read(struct rw_semaphore *sem);
void down_write(struct rw_semaphore *sem);
void up_write(struct rw_semaphore *sem);
#endif
