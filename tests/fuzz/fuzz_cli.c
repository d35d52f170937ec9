// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz-cli: psp-bpf-ctl, built with ASan and UBSan, run on command lines
 * that a grammar of all its commands and options makes (cli_gen.c), in a
 * world of its own with real pins and devices (cli_world.c):
 *
 *   fuzz-cli --ctl PATH [--runs N] [--seed S] [--jobs J] [--leak-every K]
 *            [--timeout MS] [--only I] [--keep] [-v]
 *
 * For every line: exit 0, 1 or 2, no sanitizer report, no signal, no
 * hang (killed after MS, 20 s); a well-formed line never exits 2 (one of
 * a command that needs no state exits 0), one with a value that cannot
 * parse exits 2; exit 2 says one line on stderr; after exit 1 or 2, a
 * snapshot of the whole state (cli_snap.h) is byte-identical to the one
 * before, except after add-assoc --batch whose lines partly went in (a
 * failed line changes nothing and the others go on, by design).
 *
 * Lines are split among J workers (one per CPU), each in its own world:
 * line I goes to worker I mod J and is a function of (S, I) alone, so
 * --seed S --runs N --jobs J runs again exactly what a run did, and
 * --only I runs line I alone in a new world (enough for what does not
 * depend on the state before it). monitor, which runs until interrupted,
 * gets SIGINT or SIGTERM once it waits between looks; LeakSanitizer runs
 * on every K-th line (10 by default: it makes a run cost 3 to 4 times as
 * much CPU, 80 ms more; 1: on all, 0: none).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cli_gen.h"
#include "cli_snap.h"
#include "cli_world.h"
#include "tap.h"

#define SAN_EXIT	99	/* what a sanitizer report exits with */
#define CMDS_MAX	32
#define SHOW_MAX	8	/* failures of a kind shown in full */
#define MIN_RUNS_ALL	5000	/* lines enough for every command to succeed once */

struct opts {
	const char *ctl;
	uint64_t runs, only;
	uint32_t seed;
	int jobs, keep, verbose, have_only;
	unsigned int leak_every, timeout_ms;
};

/* The failures the TAP lines count, each with its own list in the report. */
enum fail_kind { F_EXIT, F_CLASS, F_ONE_LINE, F_STATE, F_WORLD, F_NOTE, F_NOTE1, F__MAX };
static const char *const fail_tag[F__MAX] = {
	"exit", "class", "one-line", "state", "world", "counter", "exit-1",
};

/* A worker's counts, in memory shared with the parent. */
struct stats {
	uint64_t runs, exits[3], other_exit, san, hangs, signals, interrupted, leak_runs;
	uint64_t cls[GEN__CLASSES], cls_bad[GEN__CLASSES];
	uint64_t compared, partial, counted_up, exit2, exit1_lines, fails[F__MAX];
	uint64_t repairs, files_restored, cmd_runs[CMDS_MAX], cmd_ok[CMDS_MAX];
	uint64_t ctl_ms, snap_ms, cmd_ms[CMDS_MAX];	/* where the time goes */
	uint64_t cpu_ms, self_ms;	/* the worker's and its children's; its own */
	int made, stable;
	char unread[256];
	uint64_t assocs, devs;
};

struct result {
	int status, exit, hang, interrupted, leaks;
	char *err, *out;
	size_t err_len, out_len;
};

/* A worker: its world, its outputs, its report. */
struct worker {
	int id;
	const struct opts *o;
	struct stats *st;
	struct world w;
	int out_fd, err_fd;
	char **env[2];		/* without, with LeakSanitizer */
	FILE *report;
	char *errbuf, *outbuf;
	size_t errcap, outcap;
};

static char *env_var(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *env_var(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* The environment without the sanitizers' settings, then ours: a report
 * exits SAN_EXIT, stops at the first error, and UBSan's says where. */
static char **make_env(int leaks)
{
	extern char **environ;
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 4, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "ASAN_OPTIONS=", 13) &&
		    strncmp(environ[i], "UBSAN_OPTIONS=", 14) &&
		    strncmp(environ[i], "LSAN_OPTIONS=", 13))
			env[k++] = environ[i];
	env[k++] = env_var("ASAN_OPTIONS=detect_leaks=%d:exitcode=%d:halt_on_error=1:"
			   "abort_on_error=0:detect_stack_use_after_return=1:"
			   "strict_string_checks=1:check_initialization_order=1", leaks, SAN_EXIT);
	env[k++] = env_var("UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=%d",
			   SAN_EXIT);
	env[k++] = env_var("LSAN_OPTIONS=exitcode=%d", SAN_EXIT);
	return env;
}

/* A word as a shell reads it back; a long one abbreviated (--only shows
 * the line whole). */
static void quote(FILE *f, const char *s)
{
	size_t len = strlen(s);
	int plain = len > 0;

	for (const char *p = s; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("-_./:=,[]+@%", *p))
			plain = 0;
	if (plain && len <= 100) {
		fputs(s, f);
		return;
	}
	fputs("$'", f);
	for (size_t i = 0; i < len && i < 100; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\'' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('\'', f);
	if (len > 100)
		fprintf(f, "...(%zu bytes)", len);
}

static void print_argv(FILE *f, const char *ctl, const struct gen_line *l)
{
	fputs(ctl, f);
	for (int i = 1; i < l->argc; i++) {
		fputc(' ', f);
		quote(f, l->argv[i]);
	}
}

/* The first lines of a text, indented, for a report. */
static void print_head(FILE *f, const char *label, const char *s, size_t len, int lines)
{
	const char *end = s + len;

	while (s < end && lines-- > 0) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		fprintf(f, "  %s%.*s%s\n", label, (int)(n > 300 ? 300 : n), s, n > 300 ? "..." : "");
		s += n + 1;
	}
}

/* Starts a failure's entry in the report: what, which line, how to get it again. */
static void fail_begin(struct worker *wk, enum fail_kind kind, uint64_t run,
		       const struct gen_line *l, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void fail_begin(struct worker *wk, enum fail_kind kind, uint64_t run,
		       const struct gen_line *l, const char *fmt, ...)
{
	FILE *f = wk->report;
	va_list ap;

	wk->st->fails[kind]++;
	fprintf(f, "@%s line %llu (%s, %s%s%s): ", fail_tag[kind], (unsigned long long)run,
		l ? l->cmd : "-", l ? gen_class_name[l->cls] : "-", l && l->what[0] ? ": " : "",
		l ? l->what : "");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	if (l) {
		fputs("  argv: ", f);
		print_argv(f, wk->o->ctl, l);
		fputc('\n', f);
		if (l->input_len)
			print_head(f, "stdin: ", l->input, l->input_len, 3);
		fprintf(f, "  again: fuzz-cli --ctl %s --seed %u --only %llu (alone), or --runs %llu "
			"--jobs %d (as it came)\n", wk->o->ctl, wk->o->seed, (unsigned long long)run,
			(unsigned long long)run + 1, wk->o->jobs);
	}
}

static void fail_end(struct worker *wk)
{
	fputs("\n", wk->report);
	fflush(wk->report);
}

/* Whether the child sits in ppoll(): monitor waiting between looks. */
static int in_ppoll(pid_t pid)
{
	char path[64], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return atol(buf) == SYS_ppoll && buf[0] != '-';
}

static uint64_t cpu_ms(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru))
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static size_t slurp(int fd, char **buf, size_t *cap, size_t max)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		if (len + 4096 + 1 > *cap) {
			size_t c = *cap ? 2 * *cap : 64 * 1024;
			char *b;

			if (c > max + 1 || !(b = realloc(*buf, c)))
				break;
			*buf = b;
			*cap = c;
		}
		n = pread(fd, *buf + len, *cap - len - 1, (off_t)len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (*buf)
		(*buf)[len] = 0;
	return len;
}

/* The child's standard input: stdin_path, else the batch lines, which
 * --batch FILE reads too. */
static int line_stdin(struct worker *wk, const struct gen_line *l)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", wk->w.dir, GEN_BATCH_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (l->input_len && write(fd, l->input, l->input_len) != (ssize_t)l->input_len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (l->stdin_path)
		snprintf(path, sizeof(path), "%s/%s", wk->w.dir, l->stdin_path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* a file that is not there (a mutation's) reads as nothing */
	return fd >= 0 ? fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void run_line(struct worker *wk, const struct gen_line *l, uint64_t index,
		     struct result *res)
{
	uint64_t deadline = now_ms() + wk->o->timeout_ms;
	int in = line_stdin(wk, l), pidfd;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->leaks = wk->o->leak_every && index % wk->o->leak_every == 0;
	/* empty, and written from the start: the child shares the offset */
	if (ftruncate(wk->out_fd, 0) || ftruncate(wk->err_fd, 0) ||
	    lseek(wk->out_fd, 0, SEEK_SET) || lseek(wk->err_fd, 0, SEEK_SET))
		in = -1;	/* the child says so: exit 126 */
	pid = fork();
	if (!pid) {
		if (chdir(wk->w.dir) || in < 0 || dup2(in, 0) < 0 || dup2(wk->out_fd, 1) < 0 ||
		    dup2(wk->err_fd, 2) < 0)
			_exit(126);
		execve(wk->o->ctl, l->argv, wk->env[res->leaks]);
		_exit(127);
	}
	if (in >= 0)
		close(in);
	pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	while (pid > 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };

		if (pidfd < 0 || poll(&p, 1, 10) > 0)
			break;
		/* monitor waits between looks until interrupted */
		if (!res->interrupted && in_ppoll(pid)) {
			kill(pid, index & 1 ? SIGINT : SIGTERM);
			res->interrupted = 1;
		}
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			res->hang = 1;
			break;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	if (pid < 0 || waitpid(pid, &res->status, 0) < 0)
		res->status = -1;
	res->exit = WIFEXITED(res->status) ? WEXITSTATUS(res->status) : -1;
	res->err_len = slurp(wk->err_fd, &wk->errbuf, &wk->errcap, 16 << 20);
	res->err = wk->errbuf ? wk->errbuf : "";
	res->out_len = slurp(wk->out_fd, &wk->outbuf, &wk->outcap, 64 << 20);
	res->out = wk->outbuf ? wk->outbuf : "";
}

static int sanitizer_report(const struct result *res)
{
	static const char *const marks[] = {
		"AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:",
	};

	if (res->exit == SAN_EXIT)
		return 1;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (memmem(res->err, res->err_len, marks[i], strlen(marks[i])))
			return 1;
	return 0;
}

/* Whether the line has --batch (or a prefix getopt takes for it). */
static int has_batch(const struct gen_line *l)
{
	for (int i = 1; i < l->argc; i++)
		if (!strncmp(l->argv[i], "--b", 3))
			return 1;
	return 0;
}

/* add-assoc --batch answered some line with what it added: a failed
 * batch may have changed the state, line by line, as it should. */
static int batch_added_some(const struct gen_line *l, const struct result *res)
{
	if (!has_batch(l))
		return 0;
	if (strstr(res->out, "\"dev-id\""))
		return 1;
	for (const char *p = res->out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "spi ", 4) || !strncmp(p, "ok\n", 3))
			return 1;
	return 0;
}

static size_t lines(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

static int cmd_index(const char *cmd)
{
	const char *const *names;
	size_t n = gen_commands(&names);

	for (size_t i = 0; i < n && i < CMDS_MAX; i++)
		if (!strcmp(names[i], cmd))
			return (int)i;
	return 0;
}

/* Checks one line's run against every invariant; cur is the state before,
 * and after it the state now. Returns -1 if the world is lost. */
static int judge(struct worker *wk, const struct gen_line *l, uint64_t run,
		 const struct result *res, struct snap *cur)
{
	struct stats *st = wk->st;
	int code = res->exit, failed = code == 1 || code == 2, repairs;
	struct snap after;

	st->runs++;
	st->cls[l->cls]++;
	st->leak_runs += (uint64_t)res->leaks;
	st->interrupted += (uint64_t)res->interrupted;
	st->cmd_runs[cmd_index(l->cmd)]++;
	if (code >= 0 && code <= 2)
		st->exits[code]++;
	if (!code && l->cls == GEN_WELL)
		st->cmd_ok[cmd_index(l->cmd)]++;
	if (sanitizer_report(res)) {
		st->san++;
		fail_begin(wk, F_EXIT, run, l, "sanitizer report (exit %d)", code);
		print_head(wk->report, "", res->err, res->err_len, 40);
		fail_end(wk);
	} else if (res->hang) {
		st->hangs++;
		fail_begin(wk, F_EXIT, run, l, "still running after %u ms: killed",
			   wk->o->timeout_ms);
		fail_end(wk);
	} else if (code < 0) {
		st->signals++;
		fail_begin(wk, F_EXIT, run, l, "killed by signal %d%s",
			   WIFSIGNALED(res->status) ? WTERMSIG(res->status) : -1,
			   res->interrupted ? " (after SIGINT/SIGTERM)" : "");
		print_head(wk->report, "stderr: ", res->err, res->err_len, 10);
		fail_end(wk);
	} else if (code > 2) {
		st->other_exit++;
		fail_begin(wk, F_EXIT, run, l, "exit %d", code);
		print_head(wk->report, "stderr: ", res->err, res->err_len, 10);
		fail_end(wk);
	} else if (!(l->expect & 1u << code)) {
		st->cls_bad[l->cls]++;
		fail_begin(wk, F_CLASS, run, l, "exit %d", code);
		print_head(wk->report, "stderr: ", res->err, res->err_len, 3);
		fail_end(wk);
	}
	/* add-assoc --batch answers each line on stdout, by design */
	if (code == 1 && lines(res->err, res->err_len) != 1 && !has_batch(l) &&
	    st->exit1_lines++ < 3) {
		fail_begin(wk, F_NOTE1, run, l, "exit 1 with %zu lines on stderr",
			   lines(res->err, res->err_len));
		print_head(wk->report, "stderr: ", res->err, res->err_len, 4);
		fail_end(wk);
	}
	if (code == 2) {
		st->exit2++;
		if (res->err_len == 0 || res->err[res->err_len - 1] != '\n' ||
		    lines(res->err, res->err_len) != 1) {
			fail_begin(wk, F_ONE_LINE, run, l, "exit 2 with %zu lines on stderr",
				   lines(res->err, res->err_len));
			print_head(wk->report, "stderr: ", res->err, res->err_len, 5);
			fail_end(wk);
		}
	}

	if (snap_take(&after, wk->w.netns, WORLD_NETNS)) {
		fail_begin(wk, F_WORLD, run, l, "cannot take a snapshot");
		fail_end(wk);
		snap_free(&after);
		return -1;
	}
	if (failed && batch_added_some(l, res)) {
		st->partial++;
	} else if (failed) {
		char diff[4096];
		int down, up;

		st->compared++;
		snap_counters(cur, &after, &down, &up, diff, sizeof(diff));
		if (down) {
			fail_begin(wk, F_STATE, run, l, "exit %d took a hand-out counter back", code);
			print_head(wk->report, "", diff, strlen(diff), 2);
			fail_end(wk);
		} else if (up) {
			/* by design: a failed dev add or rx-assoc may use up an id or SPI */
			if (st->counted_up++ < 3) {
				fail_begin(wk, F_NOTE, run, l, "exit %d: %s", code, diff);
				fail_end(wk);
			}
		}
		if (!snap_equal(cur, &after)) {
			snap_diff(cur, &after, diff, sizeof(diff));
			fail_begin(wk, F_STATE, run, l, "exit %d changed the state", code);
			print_head(wk->report, "stderr: ", res->err, res->err_len, 2);
			print_head(wk->report, "", diff, strlen(diff), 12);
			fail_end(wk);
		}
	}
	snap_free(cur);
	*cur = after;
	repairs = world_repair(&wk->w, cur);
	if (repairs < 0) {
		fail_begin(wk, F_WORLD, run, l, "cannot repair the world: %s", wk->w.err);
		fail_end(wk);
		return -1;
	}
	if (repairs) {
		st->repairs += (uint64_t)repairs;
		snap_free(cur);
		if (snap_take(cur, wk->w.netns, WORLD_NETNS))
			return -1;
	}
	st->files_restored += (uint64_t)world_files_check(&wk->w);
	return 0;
}

/* --only and -v: a line and what came of it, as TAP comments. */
static void show_run(uint64_t run, const struct gen_line *l, const struct result *res,
		     const char *ctl)
{
	printf("# line %llu (%s, %s%s%s): exit %d%s\n# ", (unsigned long long)run, l->cmd,
	       gen_class_name[l->cls], l->what[0] ? ": " : "", l->what, res->exit,
	       res->interrupted ? " (interrupted)" : "");
	print_argv(stdout, ctl, l);
	putchar('\n');
	print_head(stdout, "# stderr: ", res->err, res->err_len, 5);
	print_head(stdout, "# stdout: ", res->out, res->out_len, 5);
	fflush(stdout);
}

static void count_world(struct stats *st, const struct snap *s)
{
	st->devs = s->n_devs;
	for (size_t i = 0; i < s->n; i++) {
		if (strncmp(s->parts[i].name, "map psp_assocs ", 15))
			continue;
		for (size_t off = 0; off + 4 <= s->parts[i].len; st->assocs++) {
			uint32_t len;

			memcpy(&len, s->parts[i].buf + off, sizeof(len));
			off += 4 + len;
		}
	}
}

static void worker(int id, const struct opts *o, struct stats *st, const struct world_vectors *wv,
		   const char *top)
{
	struct worker wk = { .id = id, .o = o, .st = st };
	struct gen_world gw = { .vectors = wv->v, .n_vectors = wv->n };
	struct gen_line l = { 0 };
	struct snap cur, again;
	char dir[512], path[600];

	snprintf(dir, sizeof(dir), "%s/w%d", top, id);
	if (mkdir(dir, 0755) && errno != EEXIST)
		_exit(1);
	snprintf(path, sizeof(path), "%s/w%d.report", top, id);
	wk.report = fopen(path, "w");
	wk.out_fd = memfd_create("ctl-stdout", MFD_CLOEXEC);
	wk.err_fd = memfd_create("ctl-stderr", MFD_CLOEXEC);
	wk.env[0] = make_env(0);
	wk.env[1] = make_env(1);
	if (!wk.report || wk.out_fd < 0 || wk.err_fd < 0 || !wk.env[0] || !wk.env[1])
		_exit(1);
	if (world_make(&wk.w, o->ctl, dir, wv)) {
		fail_begin(&wk, F_WORLD, 0, NULL, "cannot make the world: %s", wk.w.err);
		fail_end(&wk);
		_exit(0);
	}
	if (snap_take(&cur, wk.w.netns, WORLD_NETNS)) {
		fail_begin(&wk, F_WORLD, 0, NULL, "cannot take a snapshot");
		fail_end(&wk);
		_exit(0);
	}
	st->made = 1;
	count_world(st, &cur);
	snprintf(st->unread, sizeof(st->unread), "%s", cur.unread);
	/* nothing changes the state of an idle world */
	usleep(300 * 1000);
	if (!snap_take(&again, wk.w.netns, WORLD_NETNS)) {
		st->stable = snap_equal(&cur, &again);
		if (!st->stable) {
			char diff[4096];

			snap_diff(&cur, &again, diff, sizeof(diff));
			fail_begin(&wk, F_WORLD, 0, NULL, "the idle world changed");
			print_head(wk.report, "", diff, strlen(diff), 12);
			fail_end(&wk);
		}
	}
	snap_free(&again);
	for (uint64_t i = o->have_only ? o->only : (uint64_t)id; i < o->runs;
	     i += o->have_only ? o->runs : (uint64_t)o->jobs) {
		struct result res;

		uint64_t t = now_ms();

		if (gen_line(&l, o->seed, i, &gw))
			break;
		run_line(&wk, &l, i, &res);
		st->ctl_ms += now_ms() - t;
		st->cmd_ms[cmd_index(l.cmd)] += now_ms() - t;
		if (o->verbose || o->have_only)
			show_run(i, &l, &res, o->ctl);
		t = now_ms();
		if (judge(&wk, &l, i, &res, &cur))
			break;
		st->snap_ms += now_ms() - t;
	}
	gen_line_free(&l);
	snap_free(&cur);
	fclose(wk.report);
	st->self_ms = cpu_ms(RUSAGE_SELF);
	st->cpu_ms = st->self_ms + cpu_ms(RUSAGE_CHILDREN);
	_exit(0);
}

/* The report's entries of one kind, as TAP comments, SHOW_MAX of them. */
static void show_failures(const char *top, int jobs, enum fail_kind kind)
{
	char tag[32], line[1024];
	unsigned int shown = 0, more = 0;

	snprintf(tag, sizeof(tag), "@%s ", fail_tag[kind]);
	for (int j = 0; j < jobs; j++) {
		char path[600];
		FILE *f;
		int in = 0;

		snprintf(path, sizeof(path), "%s/w%d.report", top, j);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			if (!strncmp(line, tag, strlen(tag))) {
				in = shown < SHOW_MAX;
				shown += (unsigned int)in;
				more += (unsigned int)!in;
			} else if (line[0] == '@' || !line[0]) {
				in = 0;
			}
			if (in)
				tap_diag("%s%s", line[0] == '@' ? "" : "  ",
					 line[0] == '@' ? line + 1 : line);
		}
		if (f)
			fclose(f);
	}
	if (more)
		tap_diag("... and %u more like it", more);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void usage(void)
{
	fprintf(stderr, "usage: fuzz-cli --ctl PATH [--runs N] [--seed S] [--jobs J] "
		"[--leak-every K] [--timeout MS] [--only I] [--keep] [-v]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "ctl", required_argument, NULL, 'c' }, { "runs", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' }, { "jobs", required_argument, NULL, 'j' },
		{ "leak-every", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' }, { "only", required_argument, NULL, 'o' },
		{ "keep", no_argument, NULL, 'k' }, { "verbose", no_argument, NULL, 'v' },
		{ 0 }
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	*o = (struct opts){ .runs = 10000, .jobs = cpus > 4 ? 4 : cpus > 0 ? (int)cpus : 1,
			    .leak_every = 10, .timeout_ms = 20000 };
	o->seed = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->ctl = optarg; break;
		case 'r': o->runs = strtoull(optarg, NULL, 0); break;
		case 's': o->seed = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'j': o->jobs = atoi(optarg); break;
		case 'l': o->leak_every = (unsigned int)atoi(optarg); break;
		case 't': o->timeout_ms = (unsigned int)atoi(optarg); break;
		case 'o': o->only = strtoull(optarg, NULL, 0); o->have_only = 1; break;
		case 'k': o->keep = 1; break;
		case 'v': o->verbose = 1; break;
		default: usage();
		}
	}
	if (!o->ctl || o->jobs < 1 || optind != argc)
		usage();
	if (o->have_only) {
		o->jobs = 1;
		o->runs = o->only + 1;
		o->leak_every = 1;
	}
}

#define SUM(field) ({ uint64_t s_ = 0; for (int j = 0; j < o.jobs; j++) s_ += st[j].field; s_; })

int main(int argc, char **argv)
{
	struct world_vectors wv;
	struct opts o;
	struct stats *st;
	const char *const *names;
	size_t n_cmds = gen_commands(&names);
	char top[] = "/tmp/fuzz-cli.XXXXXX", tsv[512];
	uint64_t t0 = now_ms(), runs, exits[3], missing = 0;
	int made = 1, stable = 1;
	char *ctl;

	parse(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid()) {
		printf("1..0 # SKIP needs root (namespaces, BPF)\n");
		return 0;
	}
	/* the workers run it from their world's directory: a path relative
	 * to here would not be found there */
	ctl = realpath(o.ctl, NULL);
	if (!ctl || access(ctl, X_OK)) {
		tap_ok(0, "%s: %s", o.ctl, strerror(errno));
		return tap_done();
	}
	o.ctl = ctl;
	snprintf(tsv, sizeof(tsv), "%s/vectors.tsv", test_dir("PSP_TEST_DATA", "build/tests"));
	if (world_vectors_load(&wv, tsv, test_dir("PSP_VECTORS", "tests/vectors")))
		tap_diag("no vectors (%s): pcap lines use a capture of our own", tsv);
	st = mmap(NULL, sizeof(*st) * (size_t)o.jobs, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED || !mkdtemp(top)) {
		tap_ok(0, "set up: %s", strerror(errno));
		return tap_done();
	}
	memset(st, 0, sizeof(*st) * (size_t)o.jobs);
	tap_diag("fuzz-cli: seed %u, %llu lines, %d workers, LeakSanitizer on every %u%s line; %s",
		 o.seed, (unsigned long long)o.runs, o.jobs, o.leak_every,
		 o.leak_every == 1 ? "" : "th", o.ctl);
	tap_diag("again: fuzz-cli --ctl %s --seed %u --runs %llu --jobs %d", o.ctl, o.seed,
		 (unsigned long long)o.runs, o.jobs);
	fflush(stdout);
	for (int j = 0; j < o.jobs; j++) {
		pid_t pid = fork();

		if (!pid)
			worker(j, &o, &st[j], &wv, top);
		if (pid < 0) {
			tap_ok(0, "fork: %s", strerror(errno));
			return tap_done();
		}
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;

	for (int j = 0; j < o.jobs; j++) {
		made &= st[j].made;
		stable &= st[j].stable;
	}
	if (!tap_ok(made, "world: a BPF filesystem and 2 network namespaces per worker, %llu PSP "
		    "devices and %llu associations made by psp-bpf-ctl", (unsigned long long)st[0].devs,
		    (unsigned long long)st[0].assocs)) {
		show_failures(top, o.jobs, F_WORLD);
		goto out;
	}
	runs = SUM(runs);
	for (int c = 0; c < 3; c++)
		exits[c] = SUM(exits[c]);
	if (!tap_ok(stable, "the idle world stays as it is: two snapshots 300 ms apart are identical"))
		show_failures(top, o.jobs, F_WORLD);
	tap_ok(runs == (o.have_only ? 1 : o.runs) && !SUM(fails[F_EXIT]),
	       "%llu command lines: exit 0 %llu, 1 %llu, 2 %llu; %llu sanitizer reports (%llu runs "
	       "with LeakSanitizer), %llu hangs, %llu killed, %llu other exits (%llu monitors "
	       "interrupted)", (unsigned long long)runs, (unsigned long long)exits[0],
	       (unsigned long long)exits[1], (unsigned long long)exits[2],
	       (unsigned long long)SUM(san), (unsigned long long)SUM(leak_runs),
	       (unsigned long long)SUM(hangs), (unsigned long long)SUM(signals),
	       (unsigned long long)SUM(other_exit), (unsigned long long)SUM(interrupted));
	show_failures(top, o.jobs, F_EXIT);
	tap_ok(!SUM(cls_bad[GEN_WELL]), "well-formed lines never exit 2, nor 1 without state "
	       "(%llu lines)", (unsigned long long)SUM(cls[GEN_WELL]));
	tap_ok(!SUM(cls_bad[GEN_BADVAL]), "lines with one value that cannot parse exit 2 "
	       "(%llu lines)", (unsigned long long)SUM(cls[GEN_BADVAL]));
	show_failures(top, o.jobs, F_CLASS);
	tap_ok(!SUM(fails[F_STATE]), "failed commands left the state byte-identical (%llu "
	       "snapshots compared; %llu batches that added some lines not compared)",
	       (unsigned long long)SUM(compared), (unsigned long long)SUM(partial));
	show_failures(top, o.jobs, F_STATE);
	if (SUM(counted_up)) {
		tap_diag("%llu failed commands used up a device id or SPI (hand-out counters "
			 "only go up), as:", (unsigned long long)SUM(counted_up));
		show_failures(top, o.jobs, F_NOTE);
	}
	tap_ok(!SUM(fails[F_ONE_LINE]), "every exit 2 said one line on stderr (%llu)",
	       (unsigned long long)SUM(exit2));
	show_failures(top, o.jobs, F_ONE_LINE);
	if (SUM(exit1_lines)) {
		tap_diag("%llu exits 1 said other than one line on stderr, as:",
			 (unsigned long long)SUM(exit1_lines));
		show_failures(top, o.jobs, F_NOTE1);
	}
	if (!o.have_only) {
		for (size_t c = 0; c < n_cmds && c < CMDS_MAX; c++) {
			uint64_t ok = 0, n = 0;

			for (int j = 0; j < o.jobs; j++) {
				ok += st[j].cmd_ok[c];
				n += st[j].cmd_runs[c];
			}
			if (!ok) {
				tap_diag("%s: no well-formed line succeeded (%llu lines)", names[c],
					 (unsigned long long)n);
				missing++;
			}
		}
		/* a few hundred lines may leave a rare one out */
		if (runs >= MIN_RUNS_ALL)
			tap_ok(!missing, "every command of the grammar succeeded at least once "
			       "(%zu commands)", n_cmds);
		else
			tap_diag("every command succeeding once is asserted from %u lines on",
				 MIN_RUNS_ALL);
	}
	if (SUM(fails[F_WORLD]))
		show_failures(top, o.jobs, F_WORLD);
	/* the CPU time says what a run costs whatever else the host runs */
	tap_diag("%.1f s; a line %.1f ms of a worker: %.1f in psp-bpf-ctl, %.1f in snapshots "
		 "and repairs; %.1f s of CPU, %.1f ms a line (%.1f the fuzzer's own)",
		 (double)(now_ms() - t0) / 1000,
		 runs ? (double)(now_ms() - t0) * o.jobs / (double)runs : 0.0,
		 runs ? (double)SUM(ctl_ms) / (double)runs : 0.0,
		 runs ? (double)SUM(snap_ms) / (double)runs : 0.0, (double)SUM(cpu_ms) / 1000,
		 runs ? (double)SUM(cpu_ms) / (double)runs : 0.0,
		 runs ? (double)SUM(self_ms) / (double)runs : 0.0);
	if (!o.have_only) {
		char cost[1024];
		size_t n = 0;

		for (size_t c = 0; c < n_cmds && c < CMDS_MAX && n < sizeof(cost); c++) {
			uint64_t ms = 0, lines = 0;

			for (int j = 0; j < o.jobs; j++) {
				ms += st[j].cmd_ms[c];
				lines += st[j].cmd_runs[c];
			}
			n += (size_t)snprintf(cost + n, sizeof(cost) - n, "%s%s %llux%llums", c ? ", " : "",
					      names[c], (unsigned long long)lines,
					      (unsigned long long)(lines ? ms / lines : 0));
		}
		tap_diag("lines and mean time by command: %s", cost);
	}
	tap_diag("%llu repairs of the world, %llu files put back; not in the snapshot: %s",
		 (unsigned long long)SUM(repairs), (unsigned long long)SUM(files_restored),
		 st[0].unread[0] ? st[0].unread : "nothing");
out:
	if (o.keep)
		tap_diag("kept %s", top);
	else
		nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
