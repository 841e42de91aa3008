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
 */
#define SBX_STUB_MAGIC "sbxrun-exec-stub"

#if defined(__x86_64__)
#define NR_write 1
#define NR_execve 59
#define NR_exit_group 231
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

__attribute__((noreturn, used)) void stub_main(long *sp);
__attribute__((noreturn, used)) void stub_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	long r;

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
