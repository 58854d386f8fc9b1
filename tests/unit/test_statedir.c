/*
 * Unit tests for lib/statedir: state_dir must be the daemon's own
 * directory and not writable by group or others; its files must be
 * regular files of the daemon's user (symbolic links refused, not
 * followed); sm_statedir_open checks before and after opening; a state_dir
 * others can read is reported; smcald.lock admits one process and names
 * the holder; and the --check probe reports with the config's file and
 * line.  Each test works in its own mkdtemp directory.  Ownership by
 * another user is tested by passing another uid; where only root can set
 * the scene (a file of uid 65534), the test needs root, as in CI.
 */
#include "support.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>

#include "statedir.h"

#define OTHER_UID 65534

struct fixture {
	char dir[64];
	char err[1024];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (tmpdir_make(f->dir, sizeof(f->dir), "statedir") != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int rc = tmpdir_remove(f->dir);
	free(f);
	return rc;
}

static void
path_in(const struct fixture *f, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->dir, name);
}

static void
make_file(const char *path, mode_t mode, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_dir_ok(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(
		sm_statedir_check(f->dir, geteuid(), f->err, sizeof(f->err)),
		0);
	assert_int_equal(chmod(f->dir, 0750), 0);
	assert_int_equal(
		sm_statedir_check(f->dir, geteuid(), f->err, sizeof(f->err)),
		0);
}

static void
test_dir_writable_by_others(void **state)
{
	struct fixture *f = *state;
	static const mode_t modes[] = {0770, 0777, 0702, 01777, 0720};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(f->dir, modes[i]), 0);
		assert_int_equal(sm_statedir_check(f->dir, geteuid(), f->err,
						   sizeof(f->err)),
				 -EPERM);
		assert_non_null(strstr(f->err, "state_dir "));
		assert_non_null(strstr(f->err, f->dir));
		assert_non_null(strstr(f->err, "writable by group or others"));
		assert_non_null(strstr(f->err, "chmod go-w"));
	}
}

static void
test_dir_other_owner(void **state)
{
	struct fixture *f = *state;
	uid_t other = geteuid() == OTHER_UID ? OTHER_UID - 1 : OTHER_UID;
	assert_int_equal(
		sm_statedir_check(f->dir, other, f->err, sizeof(f->err)),
		-EPERM);
	char want[64];
	snprintf(want, sizeof(want), "owned by uid %u, not by uid %u",
		 (unsigned)geteuid(), (unsigned)other);
	assert_non_null(strstr(f->err, want));
}

static void
test_dir_missing_or_file(void **state)
{
	struct fixture *f = *state;
	char p[128];
	path_in(f, "nope", p, sizeof(p));
	assert_int_equal(
		sm_statedir_check(p, geteuid(), f->err, sizeof(f->err)),
		-ENOENT);
	assert_non_null(strstr(f->err, "does not exist"));
	make_file(p, 0600, "");
	assert_int_equal(
		sm_statedir_check(p, geteuid(), f->err, sizeof(f->err)),
		-ENOTDIR);
	assert_non_null(strstr(f->err, "not a directory"));
}

/* A directory of its own that the user cannot write: as root, in a child
 * that becomes uid 65534 (root may write anything). */
static void
test_dir_not_writable(void **state)
{
	struct fixture *f = *state;
	char p[128];
	path_in(f, "ro", p, sizeof(p));
	assert_int_equal(mkdir(p, 0700), 0);
	if (geteuid() != 0) {
		assert_int_equal(chmod(p, 0500), 0);
		assert_int_equal(
			sm_statedir_check(p, geteuid(), f->err, sizeof(f->err)),
			-EACCES);
		assert_non_null(strstr(f->err, "not writable by uid"));
		return;
	}
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(chown(p, OTHER_UID, OTHER_UID), 0);
	assert_int_equal(chmod(p, 0500), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512] = "";
		int rc = -1;
		if (setresgid(OTHER_UID, OTHER_UID, OTHER_UID) == 0 &&
		    setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == 0)
			rc = sm_statedir_check(p, OTHER_UID, err, sizeof(err));
		dprintf(fds[1], "%d %s", rc, err);
		_exit(0);
	}
	close(fds[1]);
	char buf[600] = "";
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	char want[64];
	snprintf(want, sizeof(want), "%d ", -EACCES);
	assert_true(strncmp(buf, want, strlen(want)) == 0);
	assert_non_null(strstr(buf, "not writable by uid 65534 (mode 0500)"));
}

static void
test_file_rules(void **state)
{
	struct fixture *f = *state;
	char p[128], target[128], q[128];
	uid_t me = geteuid();
	path_in(f, "events.jsonl", p, sizeof(p));
	/* Absent: fine (the daemon creates it). */
	assert_int_equal(sm_statedir_check_file("event log", p, me, f->err,
						sizeof(f->err)),
			 0);
	make_file(p, 0640, "");
	assert_int_equal(sm_statedir_check_file("event log", p, me, f->err,
						sizeof(f->err)),
			 0);
	assert_int_equal(chmod(p, 0666), 0);
	assert_int_equal(sm_statedir_check_file("event log", p, me, f->err,
						sizeof(f->err)),
			 -EPERM);
	assert_non_null(strstr(f->err, "event log "));
	assert_non_null(strstr(f->err, "writable by group or others (mode "
				       "0666)"));
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(sm_statedir_check_file("event log", p, me + 1, f->err,
						sizeof(f->err)),
			 -EPERM);
	assert_non_null(strstr(f->err, "owned by uid"));

	/* A symbolic link is refused even to a good file of ours. */
	path_in(f, "target", target, sizeof(target));
	make_file(target, 0600, "x\n");
	path_in(f, "link", q, sizeof(q));
	assert_int_equal(symlink(target, q), 0);
	assert_int_equal(sm_statedir_check_file("event log", q, me, f->err,
						sizeof(f->err)),
			 -EPERM);
	assert_non_null(strstr(f->err, "a symbolic link"));

	/* Not a regular file. */
	path_in(f, "fifo", q, sizeof(q));
	assert_int_equal(mkfifo(q, 0600), 0);
	assert_int_equal(sm_statedir_check_file("event log", q, me, f->err,
						sizeof(f->err)),
			 -EPERM);
	assert_non_null(strstr(f->err, "not a regular file"));
	path_in(f, "subdir", q, sizeof(q));
	assert_int_equal(mkdir(q, 0700), 0);
	assert_int_equal(sm_statedir_check_file("event log", q, me, f->err,
						sizeof(f->err)),
			 -EPERM);

	/* Its owner cannot write it (rule for users other than root). */
	assert_int_equal(chmod(p, 0400), 0);
	if (me != 0) {
		assert_int_equal(sm_statedir_check_file("event log", p, me,
							f->err, sizeof(f->err)),
				 -EACCES);
		assert_non_null(strstr(f->err, "not writable by its owner"));
	} else {
		assert_int_equal(sm_statedir_check_file("event log", p, 0,
							f->err, sizeof(f->err)),
				 0);
		assert_int_equal(chown(p, OTHER_UID, OTHER_UID), 0);
		assert_int_equal(sm_statedir_check_file("event log", p,
							OTHER_UID, f->err,
							sizeof(f->err)),
				 -EACCES);
	}
}

static void
test_open(void **state)
{
	struct fixture *f = *state;
	char p[128], target[128], link[128];
	uid_t me = geteuid();
	int fd = -2;
	path_in(f, "log", p, sizeof(p));
	mode_t old = umask(027);
	assert_int_equal(sm_statedir_open("event log", p,
					  O_RDWR | O_APPEND | O_CREAT, 0666, me,
					  &fd, f->err, sizeof(f->err)),
			 0);
	umask(old);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	close(fd);

	/* A link to a file of ours with text that a repair would cut: not
	 * opened, the target untouched. */
	path_in(f, "precious", target, sizeof(target));
	make_file(target, 0600, "keep\nhalf");
	path_in(f, "evil", link, sizeof(link));
	assert_int_equal(symlink(target, link), 0);
	fd = -2;
	assert_int_equal(sm_statedir_open("event log", link,
					  O_RDWR | O_APPEND | O_CREAT, 0640, me,
					  &fd, f->err, sizeof(f->err)),
			 -EPERM);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(f->err, "a symbolic link"));
	assert_int_equal(stat(target, &sb), 0);
	assert_int_equal(sb.st_size, 9);

	/* A dangling link: O_CREAT would have created its target. */
	char dangling[160];
	path_in(f, "created-through-link", dangling, sizeof(dangling));
	unlink(link);
	assert_int_equal(symlink(dangling, link), 0);
	assert_int_equal(sm_statedir_open("event log", link,
					  O_RDWR | O_APPEND | O_CREAT, 0640, me,
					  &fd, f->err, sizeof(f->err)),
			 -EPERM);
	assert_int_equal(access(dangling, F_OK), -1);

	/* Another user's file (only root can make one). */
	if (me == 0) {
		assert_int_equal(chown(p, OTHER_UID, OTHER_UID), 0);
		assert_int_equal(sm_statedir_open("event log", p,
						  O_RDWR | O_APPEND, 0640, 0,
						  &fd, f->err, sizeof(f->err)),
				 -EPERM);
		assert_non_null(strstr(f->err, "owned by uid 65534"));
	}
	/* A missing directory is a plain error. */
	char missing[160];
	path_in(f, "no/such/log", missing, sizeof(missing));
	assert_int_equal(sm_statedir_open("event log", missing,
					  O_RDWR | O_CREAT, 0640, me, &fd,
					  f->err, sizeof(f->err)),
			 -ENOENT);
	assert_non_null(strstr(f->err, "cannot open"));
}

static void
test_exposed(void **state)
{
	struct fixture *f = *state;
	char msg[512];
	assert_int_equal(chmod(f->dir, 0750), 0);
	assert_int_equal(
		sm_statedir_exposed("state_dir", f->dir, msg, sizeof(msg)), 0);
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(
		sm_statedir_exposed("state_dir", f->dir, msg, sizeof(msg)), 1);
	assert_non_null(strstr(msg, "readable by others (mode 0755)"));
	assert_non_null(strstr(msg, "chmod o-rwx"));
	/* Search alone lets others open files whose names they know. */
	assert_int_equal(chmod(f->dir, 0711), 0);
	assert_int_equal(
		sm_statedir_exposed("state_dir", f->dir, msg, sizeof(msg)), 1);
	char p[128];
	path_in(f, "nope", p, sizeof(p));
	assert_int_equal(sm_statedir_exposed("state_dir", p, msg, sizeof(msg)),
			 0);
}

static void
test_lock(void **state)
{
	struct fixture *f = *state;
	int fd = -1, fd2 = -1;
	long holder = -1;
	assert_int_equal(sm_statedir_lock(f->dir, geteuid(), &fd, &holder,
					  f->err, sizeof(f->err)),
			 0);
	assert_true(fd >= 0);
	char p[128], buf[32] = "";
	path_in(f, SM_STATEDIR_LOCK, p, sizeof(p));
	FILE *fp = fopen(p, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_int_equal(atol(buf), (long)getpid());

	/* A second taker (a new open file description, as another process
	 * would have) is refused and told who holds it. */
	assert_int_equal(sm_statedir_lock(f->dir, geteuid(), &fd2, &holder,
					  f->err, sizeof(f->err)),
			 -EWOULDBLOCK);
	assert_int_equal(fd2, -1);
	assert_int_equal(holder, (long)getpid());
	char want[160];
	snprintf(want, sizeof(want),
		 "another smcald (pid %ld) is running on %s", (long)getpid(),
		 f->dir);
	assert_string_equal(f->err, want);

	/* Released with its descriptor: the next taker gets it. */
	close(fd);
	assert_int_equal(sm_statedir_lock(f->dir, geteuid(), &fd, &holder,
					  f->err, sizeof(f->err)),
			 0);
	close(fd);
}

/* A holder that has not written its pid yet: the message says so. */
static void
test_lock_without_pid(void **state)
{
	struct fixture *f = *state;
	char p[128];
	path_in(f, SM_STATEDIR_LOCK, p, sizeof(p));
	make_file(p, 0640, "");
	int held = open(p, O_RDWR);
	assert_true(held >= 0);
	assert_int_equal(flock(held, LOCK_EX), 0);
	int fd = -1;
	long holder = -1;
	assert_int_equal(sm_statedir_lock(f->dir, geteuid(), &fd, &holder,
					  f->err, sizeof(f->err)),
			 -EWOULDBLOCK);
	assert_int_equal(holder, 0);
	assert_non_null(strstr(f->err, "another smcald is running on"));
	close(held);
}

static void
test_lock_file_unsafe(void **state)
{
	struct fixture *f = *state;
	char p[128], target[128];
	path_in(f, "target", target, sizeof(target));
	make_file(target, 0600, "12\n");
	path_in(f, SM_STATEDIR_LOCK, p, sizeof(p));
	assert_int_equal(symlink(target, p), 0);
	int fd = -1;
	long holder = 0;
	assert_int_equal(sm_statedir_lock(f->dir, geteuid(), &fd, &holder,
					  f->err, sizeof(f->err)),
			 -EPERM);
	assert_non_null(strstr(f->err, "lock file"));
	assert_non_null(strstr(f->err, "a symbolic link"));
}

/* Loads a config naming state_dir on line 2 (and event_log on 3 when
 * given). */
static struct sm_config *
config_for(const struct fixture *f, const char *state_dir,
	   const char *event_log)
{
	char path[128], text[512];
	path_in(f, "smcal.conf", path, sizeof(path));
	snprintf(text, sizeof(text), "[daemon]\nstate_dir = %s\n%s%s%s",
		 state_dir, event_log ? "event_log = " : "",
		 event_log ? event_log : "", event_log ? "\n" : "");
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	struct sm_config *cfg = NULL;
	struct sm_diag_list d = {0};
	assert_int_equal(sm_config_load(path, &cfg, &d), 0);
	sm_diag_clear(&d);
	return cfg;
}

static void
test_probe(void **state)
{
	struct fixture *f = *state;
	char state_dir[128], conf[128];
	path_in(f, "state", state_dir, sizeof(state_dir));
	path_in(f, "smcal.conf", conf, sizeof(conf));
	uid_t me = geteuid();

	/* Not there yet, creatable: fine. */
	struct sm_config *cfg = config_for(f, state_dir, NULL);
	assert_int_equal(cfg->state_dir_line, 2);
	assert_int_equal(cfg->event_log_line, 0);
	struct sm_diag_list d = {0};
	assert_int_equal(sm_statedir_probe(cfg, me, &d), 0);
	assert_int_equal(d.n, 0);

	/* Written by others: an error on state_dir's line. */
	assert_int_equal(mkdir(state_dir, 0700), 0);
	assert_int_equal(chmod(state_dir, 0777), 0);
	assert_int_equal(sm_statedir_probe(cfg, me, &d), 1);
	assert_int_equal(d.items[0].severity, SM_ERROR);
	assert_string_equal(d.items[0].file, conf);
	assert_int_equal(d.items[0].line, 2);
	assert_non_null(strstr(d.items[0].message, "[daemon] state_dir "));
	assert_non_null(strstr(d.items[0].message, "writable by group"));
	sm_diag_clear(&d);

	/* Readable by others: a warning only. */
	assert_int_equal(chmod(state_dir, 0755), 0);
	assert_int_equal(sm_statedir_probe(cfg, me, &d), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.items[0].severity, SM_WARNING);
	assert_non_null(strstr(d.items[0].message, "readable by others"));
	sm_diag_clear(&d);

	/* A database file others can write. */
	assert_int_equal(chmod(state_dir, 0750), 0);
	char db[160];
	snprintf(db, sizeof(db), "%s/smcal.db-wal", state_dir);
	make_file(db, 0646, "");
	assert_int_equal(sm_statedir_probe(cfg, me, &d), 1);
	assert_non_null(strstr(d.items[0].message, db));
	sm_diag_clear(&d);
	unlink(db);
	sm_config_free(cfg);

	/* Cannot be created: its parent is a file. */
	char under_file[200], file[128];
	path_in(f, "plain", file, sizeof(file));
	make_file(file, 0600, "");
	snprintf(under_file, sizeof(under_file), "%s/state", file);
	cfg = config_for(f, under_file, NULL);
	assert_int_equal(sm_statedir_probe(cfg, me, &d), 1);
	assert_int_equal(d.items[0].line, 2);
	assert_non_null(strstr(d.items[0].message, "cannot create"));
	assert_non_null(strstr(d.items[0].message, "not a directory"));
	sm_diag_clear(&d);
	sm_config_free(cfg);

	/* An event log elsewhere: a symlink there is an error on its line. */
	char log[160], target[160];
	path_in(f, "events.jsonl", log, sizeof(log));
	path_in(f, "target", target, sizeof(target));
	make_file(target, 0600, "");
	assert_int_equal(symlink(target, log), 0);
	cfg = config_for(f, state_dir, log);
	assert_int_equal(cfg->event_log_line, 3);
	assert_int_equal(sm_statedir_probe(cfg, me, &d), 1);
	assert_int_equal(d.items[0].line, 3);
	assert_non_null(strstr(d.items[0].message, "[daemon] event_log "));
	assert_non_null(strstr(d.items[0].message, "a symbolic link"));
	sm_diag_clear(&d);
	sm_config_free(cfg);

	/* An event log in a directory that does not exist. */
	char nodir[200];
	path_in(f, "nodir/events.jsonl", nodir, sizeof(nodir));
	cfg = config_for(f, state_dir, nodir);
	assert_int_equal(sm_statedir_probe(cfg, me, &d), 1);
	assert_non_null(strstr(d.items[0].message, "cannot be created"));
	sm_diag_clear(&d);
	sm_config_free(cfg);
}

/* Root checking for the service's user: state_dir's owner is the daemon's
 * user, and the files in it must be that user's too. */
static void
test_probe_as_root(void **state)
{
	struct fixture *f = *state;
	if (geteuid() != 0)
		skip();
	char state_dir[128], db[160];
	path_in(f, "state", state_dir, sizeof(state_dir));
	assert_int_equal(mkdir(state_dir, 0750), 0);
	assert_int_equal(chown(state_dir, OTHER_UID, OTHER_UID), 0);
	struct sm_config *cfg = config_for(f, state_dir, NULL);
	struct sm_diag_list d = {0};
	assert_int_equal(sm_statedir_probe(cfg, 0, &d), 0);
	assert_int_equal(d.n, 0);
	snprintf(db, sizeof(db), "%s/smcal.db", state_dir);
	make_file(db, 0640, ""); /* root's, in the service's directory */
	assert_int_equal(sm_statedir_probe(cfg, 0, &d), 1);
	assert_non_null(strstr(d.items[0].message, "owned by uid 0, not by "
						   "uid 65534"));
	sm_diag_clear(&d);
	sm_config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dir_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_writable_by_others,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_other_owner, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dir_missing_or_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dir_not_writable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_rules, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exposed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_without_pid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_file_unsafe, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_as_root, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
