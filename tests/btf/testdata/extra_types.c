/* Linked into the relink only: its types enter vmlinux's BTF there. */
struct relink_only_state {
	unsigned long generation;
	const char *reason;
};

struct relink_only_state relink_only_state = { 1, "relink" };
