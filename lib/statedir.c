/*
 * statedir: the checks on state_dir and the daemon's files, the lock, and
 * their report for smcald --check.  See statedir.h for the rules and why.
 *
 * Files are looked at with lstat before they are opened and with fstat
 * after, with O_NOFOLLOW in between: a symbolic link is refused, never
 * followed, and a file another user slipped in between the two looks is
 * refused by the second.  A directory is looked at with stat: state_dir may
 * itself be a link (/var/lib/smcal to a bigger disk), its target is what
 * must be safe.
 */
#include "statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define UNSAFE_MODE (S_IWGRP | S_IWOTH)
#define OTHERS_MODE (S_IROTH | S_IWOTH | S_IXOTH)
/* How long a second daemon waits for the first one's pid to be written
 * (the first truncates the file, then writes: a window of microseconds). */
#define PID_TRIES 20
#define PID_WAIT_NS (50 * 1000 * 1000L)

static void fmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

static void
fmt(char *buf, size_t len, const char *f, ...)
{
	if (!buf || len == 0)
		return;
	va_list ap;
	va_start(ap, f);
	vsnprintf(buf, len, f, ap);
	va_end(ap);
}

static unsigned
mode_bits(const struct stat *sb)
{
	return (unsigned)(sb->st_mode & 07777);
}

/* The owner and mode rules shared by directories and files. */
static int
check_owner_mode(const char *role, const char *path, const struct stat *sb,
		 uid_t uid, char *err, size_t errlen)
{
	if (sb->st_uid != uid) {
		fmt(err, errlen,
		    "%s %s: owned by uid %u, not by uid %u that smcald runs "
		    "as: another user controls it; chown it to the daemon's "
		    "user, or remove it",
		    role, path, (unsigned)sb->st_uid, (unsigned)uid);
		return -EPERM;
	}
	if (sb->st_mode & UNSAFE_MODE) {
		fmt(err, errlen,
		    "%s %s: writable by group or others (mode %04o): another "
		    "local user could plant or change what smcald keeps "
		    "there; chmod go-w %s",
		    role, path, mode_bits(sb), path);
		return -EPERM;
	}
	return 0;
}

int
sm_statedir_check(const char *dir, uid_t uid, char *err, size_t errlen)
{
	struct stat sb;
	if (stat(dir, &sb) < 0) {
		int e = errno;
		fmt(err, errlen, "state_dir %s: %s", dir,
		    e == ENOENT ? "does not exist" : strerror(e));
		return -e;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fmt(err, errlen, "state_dir %s: not a directory", dir);
		return -ENOTDIR;
	}
	int rc = check_owner_mode("state_dir", dir, &sb, uid, err, errlen);
	if (rc < 0)
		return rc;
	/* The effective ids decide, as for every file the daemon creates;
	 * this also catches a read-only mount. */
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) < 0) {
		int e = errno;
		if (e == EACCES)
			fmt(err, errlen,
			    "state_dir %s: not writable by uid %u (mode %04o): "
			    "chmod u+rwx %s",
			    dir, (unsigned)uid, mode_bits(&sb), dir);
		else
			fmt(err, errlen, "state_dir %s: not writable: %s", dir,
			    strerror(e));
		return -EACCES;
	}
	return 0;
}

/* The rules for a file, on what lstat or fstat said. */
static int
check_file_stat(const char *role, const char *path, const struct stat *sb,
		uid_t uid, char *err, size_t errlen)
{
	if (S_ISLNK(sb->st_mode)) {
		fmt(err, errlen,
		    "%s %s: a symbolic link: refused (it could point to any "
		    "file); remove it",
		    role, path);
		return -EPERM;
	}
	if (!S_ISREG(sb->st_mode)) {
		fmt(err, errlen, "%s %s: not a regular file: remove it", role,
		    path);
		return -EPERM;
	}
	int rc = check_owner_mode(role, path, sb, uid, err, errlen);
	if (rc < 0)
		return rc;
	if (uid != 0 && !(sb->st_mode & S_IWUSR)) {
		fmt(err, errlen,
		    "%s %s: not writable by its owner (mode %04o): chmod u+w "
		    "%s",
		    role, path, mode_bits(sb), path);
		return -EACCES;
	}
	return 0;
}

int
sm_statedir_check_file(const char *role, const char *path, uid_t uid, char *err,
		       size_t errlen)
{
	struct stat sb;
	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		int e = errno;
		fmt(err, errlen, "%s %s: %s", role, path, strerror(e));
		return -e;
	}
	return check_file_stat(role, path, &sb, uid, err, errlen);
}

int
sm_statedir_open(const char *role, const char *path, int flags, mode_t mode,
		 uid_t uid, int *fd, char *err, size_t errlen)
{
	*fd = -1;
	int rc = sm_statedir_check_file(role, path, uid, err, errlen);
	if (rc < 0)
		return rc;
	int f = open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (f < 0) {
		int e = errno;
		if (e == ELOOP) {
			/* A link appeared after the lstat. */
			fmt(err, errlen,
			    "%s %s: a symbolic link: refused (it could point "
			    "to any file); remove it",
			    role, path);
			return -EPERM;
		}
		fmt(err, errlen, "%s %s: cannot open: %s", role, path,
		    strerror(e));
		return -e;
	}
	struct stat sb;
	if (fstat(f, &sb) < 0) {
		int e = errno;
		fmt(err, errlen, "%s %s: %s", role, path, strerror(e));
		close(f);
		return -e;
	}
	rc = check_file_stat(role, path, &sb, uid, err, errlen);
	if (rc < 0) {
		close(f);
		return rc;
	}
	*fd = f;
	return 0;
}

int
sm_statedir_exposed(const char *role, const char *path, char *msg, size_t len)
{
	struct stat sb;
	if (stat(path, &sb) < 0 || !(sb.st_mode & (S_IROTH | S_IXOTH)))
		return 0;
	fmt(msg, len,
	    "%s %s: readable by others (mode %04o): the state holds post "
	    "bodies and webhook headers (tokens); chmod o-rwx %s",
	    role, path, mode_bits(&sb), path);
	return 1;
}

/* The pid a lock holder wrote, or 0 when there is none (yet). */
static long
read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *end;
	errno = 0;
	long pid = strtol(buf, &end, 10);
	if (errno || end == buf || *end != '\n' || pid <= 0)
		return 0;
	return pid;
}

static char *
join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = malloc(dl + nl + 2);
	if (!p)
		abort();
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
}

int
sm_statedir_lock(const char *dir, uid_t uid, int *fd, long *holder, char *err,
		 size_t errlen)
{
	*fd = -1;
	*holder = 0;
	char *path = join(dir, SM_STATEDIR_LOCK);
	int f, rc = sm_statedir_open("lock file", path, O_RDWR | O_CREAT, 0640,
				     uid, &f, err, errlen);
	if (rc < 0)
		goto out;
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		rc = -errno;
		if (rc == -EWOULDBLOCK) {
			for (int i = 0; i < PID_TRIES; i++) {
				*holder = read_pid(f);
				if (*holder > 0)
					break;
				struct timespec ts = {0, PID_WAIT_NS};
				nanosleep(&ts, NULL);
			}
			if (*holder > 0)
				fmt(err, errlen,
				    "another smcald (pid %ld) is running on %s",
				    *holder, dir);
			else
				fmt(err, errlen,
				    "another smcald is running on %s (%s is "
				    "locked)",
				    dir, path);
		} else {
			fmt(err, errlen, "lock file %s: flock: %s", path,
			    strerror(-rc));
		}
		close(f);
		goto out;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(f, 0) < 0 || pwrite(f, buf, (size_t)n, 0) != n) {
		rc = -errno;
		fmt(err, errlen, "lock file %s: writing the pid: %s", path,
		    strerror(errno));
		close(f);
		goto out;
	}
	*fd = f;
	rc = 0;
out:
	free(path);
	return rc;
}

/* ---------------------------------------------------------------------
 * smcald --check.
 */

struct where {
	const struct sm_config *cfg;
	struct sm_diag_list *diags;
	size_t errors;
};

static void
report(struct where *w, enum sm_severity sev, int line, const char *key,
       const char *msg)
{
	sm_diag_add(w->diags, sev, w->cfg->path, line, "[daemon] %s%s%s%s", msg,
		    line ? "" : " ([daemon] ", line ? "" : key,
		    line ? "" : " is not set: this is its default)");
	if (sev == SM_ERROR)
		w->errors++;
}

/* A missing path can be created when its nearest existing ancestor is a
 * directory uid may write; fills err when it cannot. */
static int
creatable(const char *role, const char *path, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		fmt(err, errlen, "%s %s: path too long", role, path);
		return -1;
	}
	for (;;) {
		char *slash = strrchr(buf, '/');
		if (!slash) {
			snprintf(buf, sizeof(buf), ".");
		} else if (slash == buf) {
			buf[1] = '\0';
		} else {
			*slash = '\0';
		}
		struct stat sb;
		if (stat(buf, &sb) == 0) {
			if (!S_ISDIR(sb.st_mode)) {
				fmt(err, errlen,
				    "%s %s: cannot create: %s is not a "
				    "directory",
				    role, path, buf);
				return -1;
			}
			if (faccessat(AT_FDCWD, buf, W_OK | X_OK, AT_EACCESS) <
			    0) {
				fmt(err, errlen,
				    "%s %s: cannot create: %s is not writable "
				    "by uid %u (%s)",
				    role, path, buf, (unsigned)geteuid(),
				    strerror(errno));
				return -1;
			}
			return 0;
		}
		if (errno != ENOENT || strcmp(buf, "/") == 0 ||
		    strcmp(buf, ".") == 0) {
			fmt(err, errlen, "%s %s: cannot create: %s: %s", role,
			    path, buf, strerror(errno));
			return -1;
		}
	}
}

static const char *const db_files[] = {"smcal.db", "smcal.db-wal",
				       "smcal.db-shm", SM_STATEDIR_LOCK};

size_t
sm_statedir_probe(const struct sm_config *cfg, uid_t uid,
		  struct sm_diag_list *diags)
{
	struct where w = {cfg, diags, 0};
	char msg[1024];
	const char *dir = cfg->state_dir;
	int dline = cfg->state_dir_line, lline = cfg->event_log_line;
	struct stat sb;
	int dir_exists = stat(dir, &sb) == 0;

	if (!dir_exists && (errno == ENOENT || errno == ENOTDIR)) {
		if (creatable("state_dir", dir, msg, sizeof(msg)) < 0)
			report(&w, SM_ERROR, dline, "state_dir", msg);
	} else {
		/* Root checks for the service's user: the owner of the
		 * directory (the daemon refuses any other owner). */
		if (dir_exists && uid == 0)
			uid = sb.st_uid;
		if (sm_statedir_check(dir, uid, msg, sizeof(msg)) < 0) {
			report(&w, SM_ERROR, dline, "state_dir", msg);
		} else {
			for (size_t i = 0;
			     i < sizeof(db_files) / sizeof(db_files[0]); i++) {
				char *p = join(dir, db_files[i]);
				if (sm_statedir_check_file("state file", p, uid,
							   msg,
							   sizeof(msg)) < 0)
					report(&w, SM_ERROR, dline, "state_dir",
					       msg);
				free(p);
			}
			if (sm_statedir_exposed("state_dir", dir, msg,
						sizeof(msg)))
				report(&w, SM_WARNING, dline, "state_dir", msg);
		}
	}

	/* The event log: the daemon creates it, but not its directory
	 * (unless that is state_dir). */
	const char *log = cfg->event_log;
	struct stat lb;
	if (lstat(log, &lb) == 0) {
		if (sm_statedir_check_file("event_log", log, uid, msg,
					   sizeof(msg)) < 0)
			report(&w, SM_ERROR, lline, "event_log", msg);
	} else if (errno == ENOENT || errno == ENOTDIR) {
		char *copy = strdup(log);
		if (!copy)
			abort();
		char *slash = strrchr(copy, '/');
		const char *parent = !slash	     ? "."
				     : slash == copy ? "/"
						     : (*slash = '\0', copy);
		int in_state = strcmp(parent, dir) == 0;
		if (!(in_state && !dir_exists) &&
		    faccessat(AT_FDCWD, parent, W_OK | X_OK, AT_EACCESS) < 0) {
			fmt(msg, sizeof(msg),
			    "event_log %s: cannot be created in %s: %s", log,
			    parent, strerror(errno));
			report(&w, SM_ERROR, lline, "event_log", msg);
		}
		free(copy);
	} else {
		fmt(msg, sizeof(msg), "event_log %s: %s", log, strerror(errno));
		report(&w, SM_ERROR, lline, "event_log", msg);
	}
	return w.errors;
}
