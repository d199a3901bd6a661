/* Stand-in: reader-writer semaphores. */
#ifndef EXAMPLE_LINUX_RWSEM_H
#define EXAMPLE_LINUX_RWSEM_H

struct rw_semaphore {
	int count;
};

void down_read(struct rw_semaphore *sem);
void up_read(struct rw_semaphore *sem);
void down_write(struct rw_semaphore *sem);
void up_write(struct rw_semaphore *sem);

#endif
