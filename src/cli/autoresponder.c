/*
 * The managed auto-responder of `run` (see autoresponder.h). The child is
 * /proc/self/exe itself, in its own process group (a Ctrl-C meant for the
 * run must not kill it mid-batch: the run stops it once the iteration in
 * flight is answered) and with a parent-death signal (it never outlives a
 * run that was killed).
 */
#include "cli/autoresponder.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/timeutil.h"

static int open_log(const char *dir, const char *name, bool truncate)
{
	struct po_buf p = PO_BUF_INIT;
	int fd;

	po_buf_addf(&p, "%s/%s", dir, name);
	fd = open(p.data, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0),
		  0644);
	po_buf_release(&p);
	return fd;
}

/* Reads the handshake pipe until a line starting with want (or EOF or the
 * deadline); the line goes to line. */
static bool read_line(int fd, const char *want, char *line, size_t size, double timeout_ms)
{
	double end = po_time_mono_ms() + timeout_ms;
	size_t len = 0;

	line[0] = '\0';
	while (fd >= 0) {
		double left = end - po_time_mono_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t k;
		char c;

		if (left <= 0 || poll(&pfd, 1, (int)left + 1) == 0)
			return false;
		k = read(fd, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		if (c != '\n') {
			if (len + 1 < size)
				line[len++] = c;
			line[len] = '\0';
			continue;
		}
		if (!strncmp(line, want, strlen(want)))
			return true;
		len = 0;
		line[0] = '\0';
	}
	return false;
}

/* Reads fd until its end (the writer exited) or the deadline. */
static void wait_eof(int fd, double end)
{
	char buf[256];

	for (;;) {
		double left = end - po_time_mono_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t k;

		if (left <= 0 || poll(&pfd, 1, (int)left + 1) == 0)
			return;
		k = read(fd, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
	}
}

/* The last line of the responder's stderr log, for messages. */
static void last_error_line(const char *dir, char *out, size_t size)
{
	struct po_buf p = PO_BUF_INIT, text = PO_BUF_INIT;
	char *end, *start;

	out[0] = '\0';
	po_buf_addf(&p, "%s/auto_responder_stderr.log", dir);
	if (!po_fs_read_file(p.data, &text, NULL)) {
		end = text.data + text.len;
		while (end > text.data && (end[-1] == '\n' || end[-1] == '\r'))
			end--;
		*end = '\0';
		start = strrchr(text.data, '\n');
		snprintf(out, size, "%s", start ? start + 1 : text.data);
	}
	po_buf_release(&p);
	po_buf_release(&text);
}

/* Reads the totals line a responder writes when it stops (until `end`);
 * one that died without it counts as lost. */
static void take_totals_until(struct cli_autoresponder *ar, double end)
{
	char line[128];
	long a, e, r;

	if (read_line(ar->status_fd, "done ", line, sizeof(line), end - po_time_mono_ms()) &&
	    sscanf(line, "done %ld %ld %ld", &a, &e, &r) == 3) {
		ar->answered += a;
		ar->errors += e;
		ar->reclaimed += r;
	} else {
		ar->lost++;
	}
}

static void take_totals(struct cli_autoresponder *ar)
{
	take_totals_until(ar, po_time_mono_ms() + 100);
	if (ar->status_fd >= 0)
		close(ar->status_fd);
	ar->status_fd = -1;
}

static int spawn(struct cli_autoresponder *ar, bool first, struct po_err *err)
{
	int pfd[2], out = -1, errfd = -1;
	char fdarg[32], interval[64], line[128], why[512];
	pid_t parent = getpid(), pid;

	out = open_log(ar->dir, "auto_responder_stdout.log", first);
	errfd = open_log(ar->dir, "auto_responder_stderr.log", first);
	if (out < 0 || errfd < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		int e = errno;
		if (out >= 0)
			close(out);
		if (errfd >= 0)
			close(errfd);
		return po_error(err, PO_EIO, "cannot start the auto-responder: cannot write its logs in '%s': %s",
				ar->dir, strerror(e));
	}
	snprintf(fdarg, sizeof(fdarg), "%d", pfd[1]);
	snprintf(interval, sizeof(interval), "%.15g", ar->interval);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(out);
		close(errfd);
		close(pfd[0]);
		close(pfd[1]);
		return po_error(err, PO_ELLM, "cannot start the auto-responder: %s", strerror(e));
	}
	if (pid == 0) {
		char *args[] = { "promptopt", "respond", "--dir", ar->dir, "--continuous",
				 "--interval", interval, "--ready-fd", fdarg, NULL };
		int devnull = open("/dev/null", O_RDONLY);
		sigset_t none;

		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(out, 1);
		dup2(errfd, 2);
		fcntl(pfd[1], F_SETFD, 0);
		execv("/proc/self/exe", args);
		dprintf(2, "promptopt: error: cannot run /proc/self/exe: %s\n", strerror(errno));
		_exit(127);
	}
	close(out);
	close(errfd);
	close(pfd[1]);
	ar->pid = pid;
	ar->status_fd = pfd[0];
	if (read_line(ar->status_fd, "ready", line, sizeof(line), 10000))
		return 0;
	/* No handshake: it failed to start (or hangs); say why if it said. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ar->status_fd);
	ar->status_fd = -1;
	ar->pid = 0;
	last_error_line(ar->dir, why, sizeof(why));
	return po_error(err, PO_ELLM, "the auto-responder did not start%s%s; see %s/auto_responder_stderr.log",
			why[0] ? ": " : "", why, ar->dir);
}

int cli_autoresponder_start(struct cli_autoresponder *ar, const char *dir, double interval,
			    bool quiet, struct po_err *err)
{
	int ret;

	memset(ar, 0, sizeof(*ar));
	ar->status_fd = -1;
	ar->dir = po_xstrdup(dir);
	ar->interval = interval > 0 ? interval : 0.2;
	ar->quiet = quiet;
	ret = spawn(ar, true, err);
	if (!ret && !quiet)
		printf("Auto-responder: started (pid %ld), answering %s/llm_requests/ with sim\n"
		       "  (logs in %s/auto_responder_stdout.log)\n",
		       (long)ar->pid, dir, dir);
	fflush(stdout);
	return ret;
}

static const char *describe(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
	return buf;
}

int cli_autoresponder_alive(void *userdata)
{
	struct cli_autoresponder *ar = userdata;
	struct po_err err = { 0 };
	char how[64];
	int status;
	pid_t old = ar->pid;

	if (!ar->pid)
		return 0;
	if (waitpid(ar->pid, &status, WNOHANG) == 0)
		return 1;
	ar->pid = 0;
	take_totals(ar);
	if (ar->restarts >= CLI_AUTORESPONDER_MAX_RESTARTS) {
		cli_error("the auto-responder (pid %ld) %s, and it was restarted %d times already; giving up (see %s/auto_responder_stderr.log)",
			  (long)old, describe(status, how, sizeof(how)), ar->restarts, ar->dir);
		return 0;
	}
	ar->restarts++;
	cli_warning("the auto-responder (pid %ld) %s; restarting it (%d of %d)", (long)old,
		    describe(status, how, sizeof(how)), ar->restarts, CLI_AUTORESPONDER_MAX_RESTARTS);
	if (spawn(ar, false, &err) < 0) {
		cli_error("%s", err.msg);
		return 0;
	}
	return 1;
}

void cli_autoresponder_stop(struct cli_autoresponder *ar)
{
	int status = 0;

	if (!ar->dir)
		return;
	if (ar->pid) {
		double end = po_time_mono_ms() + 3000;
		pid_t w = 0;

		kill(ar->pid, SIGTERM);
		kill(ar->pid, SIGCONT); /* one stopped (kill -STOP) acts on the SIGTERM now */
		/* Its totals, then the end of the pipe: it has exited (no polling
		 * of waitpid() in steps: that would add their length to every run). */
		if (ar->status_fd >= 0) {
			take_totals_until(ar, end);
			wait_eof(ar->status_fd, end);
			close(ar->status_fd);
			ar->status_fd = -1;
		}
		while ((w = waitpid(ar->pid, &status, WNOHANG)) == 0 && po_time_mono_ms() < end) {
			struct timespec ts = { 0, 200000 };
			nanosleep(&ts, NULL);
		}
		if (w == 0) {
			kill(ar->pid, SIGKILL);
			waitpid(ar->pid, &status, 0);
		}
		ar->pid = 0;
	}
	if (!ar->quiet) {
		printf("Auto-responder: answered %ld request%s (%ld error%s)", ar->answered,
		       ar->answered == 1 ? "" : "s", ar->errors, ar->errors == 1 ? "" : "s");
		if (ar->restarts)
			printf(", restarted %d time%s", ar->restarts, ar->restarts == 1 ? "" : "s");
		if (ar->reclaimed)
			printf(", %ld taken over after a restart", ar->reclaimed);
		if (ar->lost)
			printf(", %d responder%s stopped without a count", ar->lost,
			       ar->lost == 1 ? "" : "s");
		printf("; stopped\n");
	}
	if (ar->status_fd >= 0)
		close(ar->status_fd);
	free(ar->dir);
	ar->dir = NULL;
}
