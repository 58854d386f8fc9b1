/*
 * statedir: the rules for the files smcald keeps, and the lock that makes
 * it the only daemon on its state directory.
 *
 * Other local users must not be able to plant or change smcald's state: a
 * database they wrote could hold an outbox row the daemon would sign and
 * send, a symlink at the event log path would make the daemon cut and
 * append to any file it can write.  So state_dir must be a directory owned
 * by the daemon's user and not writable by its group or by others; the
 * files in it (smcal.db, its -wal and -shm, smcald.lock) and the event log
 * must be regular files (never symbolic links), owned by that user and not
 * writable by group or others.  Once state_dir passes, nobody else can
 * create or replace a file in it, so a check made before opening holds for
 * the daemon's life.  A state_dir that others can read or search is only
 * warned about: the database holds post bodies and webhook headers.
 *
 * smcald.lock in state_dir is held with flock(2) for the daemon's life and
 * holds its pid: a second daemon on the same state_dir, whatever its config
 * or socket, sees the lock and names the first one.
 *
 * Every function fills a caller's buffer with a message that starts with
 * the role and the path ("state_dir /var/lib/smcal: ..."), says what is
 * wrong and what to do.  No event loop, no global state.
 */
#ifndef SM_STATEDIR_H
#define SM_STATEDIR_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "diag.h"

/* The lock file's name in state_dir. */
#define SM_STATEDIR_LOCK "smcald.lock"

/*
 * Checks that dir is a directory owned by uid, not writable by its group
 * or by others, and that uid may create files in it.  Returns 0, -ENOENT
 * when it does not exist, -ENOTDIR, -EPERM when it is unsafe (owner, mode),
 * -EACCES when uid cannot write it, or another -errno; err says which.
 */
int sm_statedir_check(const char *dir, uid_t uid, char *err, size_t errlen);

/*
 * Checks a file the daemon keeps without following a symbolic link: absent
 * is fine; else it must be a regular file owned by uid, not writable by
 * group or others (-EPERM otherwise) and writable by its owner (-EACCES).
 * role names the file in the message ("event log").  Returns 0 or -errno.
 */
int sm_statedir_check_file(const char *role, const char *path, uid_t uid,
			   char *err, size_t errlen);

/*
 * Opens a file the daemon keeps with open(2) flags (O_NOFOLLOW and
 * O_CLOEXEC are added; O_CREAT creates it with mode), after the checks of
 * sm_statedir_check_file and again on the opened file, so that a file
 * swapped in between is refused too.  Returns 0 with *fd set, or -errno
 * (-EPERM for an unsafe file) with err filled and nothing left open.
 */
int sm_statedir_open(const char *role, const char *path, int flags, mode_t mode,
		     uid_t uid, int *fd, char *err, size_t errlen);

/*
 * 1 when others (neither the owner nor the group) may read or search path,
 * with a warning naming it in msg; 0 when not or when path does not exist.
 */
int sm_statedir_exposed(const char *role, const char *path, char *msg,
			size_t len);

/*
 * Takes the exclusive lock <dir>/smcald.lock for this process (flock, kept
 * while *fd stays open) and writes the pid into the file.  Returns 0;
 * -EWOULDBLOCK when another process holds it, with its pid in *holder (0
 * when it has not written it yet) and "another smcald (pid N) is running on
 * DIR" in err; or another -errno (-EPERM for an unsafe lock file).
 */
int sm_statedir_lock(const char *dir, uid_t uid, int *fd, long *holder,
		     char *err, size_t errlen);

/*
 * For smcald --check: appends an error per problem that would stop a
 * daemon running as uid from using cfg's state_dir and event log (unsafe
 * or unwritable, cannot be created), and a warning when others can read
 * state_dir, each with the config file and the key's line.  A state_dir
 * that does not exist yet is fine when uid can create it.  Run by root
 * (uid 0), the check cannot know the service's user: state_dir's owner
 * is taken as the daemon's user, and its files must be owned by it too.
 * Returns the number of errors appended.
 */
size_t sm_statedir_probe(const struct sm_config *cfg, uid_t uid,
			 struct sm_diag_list *diags);

#endif
