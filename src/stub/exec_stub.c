/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exec stub: the last program sbxrun executes inside a container.
 *
 *   execveat(stub_memfd, "", {SBX_STUB_MAGIC, PATH, ARGV0, ARGV1, ...}, envp)
 *     -> execve(PATH, {ARGV0, ARGV1, ...}, envp)
 *
 * Why it exists (CVE-2019-5736, see docs/security.md "class 2"): every
 * runtime process that enters a container is a fork of sbxrun, so its
 * /proc/self/exe is the sbxrun binary on the host.  If sbxrun execve'd the
 * container's program itself, a program that is (or whose #! interpreter
 * or ELF interpreter is) "/proc/self/exe" would start the HOST sbxrun
 * binary as a dumpable container process, whose /proc/PID/exe container
 * root could then open and, once it stops running, overwrite.  Executing
 * this stub first changes /proc/self/exe to a sealed memfd (an immutable,
 * anonymous copy of these few instructions) before the container's path is
 * ever resolved: at worst the container can run the stub again.
 *
 * Freestanding: no libc, no dynamic loader, a few hundred bytes of code,
 * built for the host architecture by the Makefile and embedded into sbxrun
 * (src/execstub.c).  It makes exactly one system call on success (execve);
 * on failure it writes one line to stderr and exits 127 (not found) or 126.
 *
 * A second mode is the minimal pid 1 of the run.sbx.init annotation:
 *
 *   execveat(stub_memfd, "", {SBX_INIT_MAGIC, PID}, envp)
 *
 * with every signal blocked: it forwards each signal to PID (the workload,
 * its child) and reaps every child, until PID exits, with PID's status
 * (128+N if killed by signal N).  So no code of sbxrun's stays in the
 * container once it runs.
 */
#define SBX_STUB_MAGIC "sbxrun-exec-stub"
#define SBX_INIT_MAGIC "sbxrun-init-stub"

#if defined(__x86_64__)
#define NR_write 1
#define NR_execve 59
#define NR_exit_group 231
#define NR_rt_sigtimedwait 128
#define NR_wait4 61
#define NR_kill 62
static long sys4(long n, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call stub_main\n"
	"	hlt\n");
#elif defined(__aarch64__)
#define NR_write 64
#define NR_execve 221
#define NR_exit_group 94
#define NR_rt_sigtimedwait 137
#define NR_wait4 260
#define NR_kill 129
static long sys4(long n, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
}
static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x0, sp\n"
	"	bl stub_main\n"
	"	brk #0\n");
#else
#error "exec stub: unsupported architecture (add its syscall numbers and _start)"
#endif

static unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void put(const char *s)
{
	(void)sys3(NR_write, 2, (long)s, (long)slen(s));
}

static __attribute__((noreturn)) void die(int code)
{
	for (;;)
		(void)sys3(NR_exit_group, code, 0, 0);
}

/* The errno texts a failed execve can produce (glibc's wording). */
static const char *errtext(long e)
{
	switch (e) {
	case 1: return "Operation not permitted";
	case 2: return "No such file or directory";
	case 5: return "Input/output error";
	case 7: return "Argument list too long";
	case 8: return "Exec format error";
	case 12: return "Cannot allocate memory";
	case 13: return "Permission denied";
	case 14: return "Bad address";
	case 20: return "Not a directory";
	case 21: return "Is a directory";
	case 22: return "Invalid argument";
	case 26: return "Text file busy";
	case 36: return "File name too long";
	case 38: return "Function not implemented";
	case 40: return "Too many levels of symbolic links";
	case 80: return "Accessing a corrupted shared library";
	default: return "exec failed";
	}
}

/* The run.sbx.init pid 1: signals blocked by sbxrun before the exec. */
static __attribute__((noreturn)) void init_loop(long child)
{
	unsigned long all = ~0UL;
	unsigned char info[128];

	for (;;) {
		long sig = sys4(NR_rt_sigtimedwait, (long)&all, (long)info, 0, sizeof(all));
		int st;
		long w;

		if (sig < 0)
			continue;
		if (sig != 17 /* SIGCHLD */) {
			(void)sys3(NR_kill, child, sig, 0);
			continue;
		}
		while ((w = sys4(NR_wait4, -1, (long)&st, 1 /* WNOHANG */, 0)) > 0)
			if (w == child)
				die((st & 0x7f) ? 128 + (st & 0x7f) : (st >> 8) & 0xff);
	}
}

static long parse_pid(const char *s)
{
	long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

__attribute__((noreturn, used)) void stub_main(long *sp);
__attribute__((noreturn, used)) void stub_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	long r;

	if (argc == 2 && streq(argv[0], SBX_INIT_MAGIC) && parse_pid(argv[1]) > 0)
		init_loop(parse_pid(argv[1]));
	/* Only sbxrun's own call has the magic argv[0]; run any other way
	 * (e.g. as a "#!/proc/self/exe" interpreter) the stub does nothing. */
	if (argc < 3 || !streq(argv[0], SBX_STUB_MAGIC)) {
		put("sbxrun-exec-stub: not to be run directly\n");
		die(127);
	}
	r = sys3(NR_execve, (long)argv[1], (long)(argv + 2), (long)envp);
	/* Same message and exit codes as sbxrun's own exec errors. */
	put("sbxrun: exec \"");
	put(argv[1]);
	put("\": ");
	put(errtext(-r));
	put("\n");
	die(r == -2 ? 127 : 126);
}
