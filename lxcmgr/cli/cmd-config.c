/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr config NAME show | get KEY | set KEY VALUE | unset KEY | edit */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli/commands.h"
#include "config/config.h"
#include "runtime/net-check.h"
#include "store/store.h"
#include "util/log.h"

/* containers_dir/NAME/config, after checking the name and that the container exists. */
static int config_path(struct lxm_context *ctx, const char *name, char **ret)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	struct stat st;
	int r;

	r = lxm_name_validate(name);
	if (r < 0)
		return r;
	r = lxm_path_join(&dir, ctx->paths.containers_dir, name);
	if (r < 0)
		return r;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return log_error_errno(-ENOENT, "Container '%s' does not exist", name);
	r = lxm_path_join(&path, dir, "config");
	if (r < 0)
		return r;
	if (access(path, F_OK) < 0)
		return log_error_errno(-ENOENT, "Container '%s' has no config file '%s'", name, path);
	*ret = TAKE_PTR(path);
	return 0;
}

static int config_show(const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	int r = lxm_read_file(path, &text, &size);
	if (r < 0)
		return log_error_errno(r, "Failed to read '%s': %m", path);
	fwrite(text, 1, size, stdout);
	return fflush(stdout) == 0 ? 0 : -EIO;
}

static int config_get(const char *path, const char *key)
{
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	_cleanup_free_ char *value = NULL;
	int r;

	r = lxm_config_load(path, &cfg);
	if (r < 0)
		return r == -EINVAL ? r : log_error_errno(r, "Failed to load '%s': %m", path);
	r = lxm_config_get(cfg, key, &value);
	if (r == -ENOENT)
		return log_error_errno(r, "'%s' is not set", key);
	if (r == -EINVAL)
		return log_error_errno(r, "Unknown config key '%s' (keys name one value, such as limits.memory)", key);
	if (r < 0)
		return log_error_errno(r, "Failed to get '%s': %m", key);
	printf("%s\n", value);
	return 0;
}

struct change_check {
	const struct lxm_paths *paths;
	const char *name;
};

/* What the file alone cannot tell: a static address on a managed network (its subnet, other
 * containers' addresses), refused now rather than at the next start. */
static int check_change(cfg_t *old, cfg_t *cfg, void *userdata)
{
	const struct change_check *c = userdata;
	return lxm_net_check_config(c->paths, c->name, old, cfg);
}

/* Runs $EDITOR (default vi) on path through sh, so EDITOR may carry arguments. */
static int run_editor(const char *path)
{
	const char *editor = getenv("EDITOR");
	int status;

	if (IS_EMPTY(editor))
		editor = getenv("VISUAL");
	if (IS_EMPTY(editor))
		editor = "vi";
	pid_t pid = fork();
	if (pid < 0)
		return log_error_errno(negative_errno(), "Failed to fork: %m");
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", editor, path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return log_error_errno(negative_errno(), "Failed to wait for the editor: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return log_error_errno(-ECANCELED, "Editor '%s' failed, config unchanged", editor);
	return 0;
}

static bool ask_again(void)
{
	char answer[16];

	if (!isatty(STDIN_FILENO))
		return false;
	fprintf(stderr, "Edit again? [Y/n] ");
	if (!fgets(answer, sizeof(answer), stdin))
		return false;
	return answer[0] == '\n' || answer[0] == 'y' || answer[0] == 'Y';
}

static int config_edit(const char *path, struct change_check *check)
{
	_cleanup_free_ char *orig = NULL, *tmp = NULL;
	struct stat st;
	int r;

	r = lxm_read_file(path, &orig, NULL);
	if (r < 0 || stat(path, &st) < 0)
		return log_error_errno(r < 0 ? r : negative_errno(), "Failed to read '%s': %m", path);
	const char *tmpdir = getenv("TMPDIR");
	if (asprintf(&tmp, "%s/lxcmgr-config-XXXXXX.conf", IS_EMPTY(tmpdir) ? "/tmp" : tmpdir) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = mkostemps(tmp, 5, O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Failed to create a temporary file: %m");
	r = lxm_write_file_atomic(tmp, orig, 0600);
	for (;;) {
		_cleanup_free_ char *text = NULL;
		if (r >= 0)
			r = run_editor(tmp);
		if (r >= 0)
			r = lxm_read_file(tmp, &text, NULL);
		if (r < 0)
			break;
		if (STREQ(text, orig)) {
			log_info("No changes");
			break;
		}
		/* Errors name the real config's path, so line numbers point at what the user edits. */
		_cleanup_cfg_free_ cfg_t *old = NULL, *cfg = NULL;
		r = lxm_config_parse_string(text, path, &cfg);
		if (r >= 0) {
			(void)lxm_config_parse_string_quiet(orig, &old);
			r = check_change(old, cfg, check);
		}
		if (r >= 0) {
			r = lxm_write_file_atomic(path, text, st.st_mode & 07777);
			if (r < 0)
				log_error_errno(r, "Failed to write '%s': %m", path);
			break;
		}
		if (!ask_again()) {
			log_error("Config not changed; the edited copy is kept in '%s'", tmp);
			return r;
		}
	}
	(void)unlink(tmp);
	return r;
}

int lxm_cmd_config(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int lock_fd = -EBADF;
	int r;

	if (argc < 3) {
		log_error("Usage: lxcmgr config NAME show|get KEY|set KEY VALUE|unset KEY|edit");
		return -EINVAL;
	}
	const char *name = argv[1], *verb = argv[2];
	struct {
		const char *verb;
		int nargs;
		bool mutates;
	} verbs[] = { { "show", 0, false }, { "get", 1, false }, { "set", 2, true }, { "unset", 1, true },
		      { "edit", 0, true } };
	size_t i;
	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		if (STREQ(verbs[i].verb, verb))
			break;
	if (i == ARRAY_SIZE(verbs))
		return log_error_errno(-EINVAL, "Unknown config action '%s' (show, get, set, unset, edit)", verb);
	if (argc - 3 != verbs[i].nargs)
		return log_error_errno(-EINVAL, "'config %s' takes %d argument(s)", verb, verbs[i].nargs);

	r = config_path(ctx, name, &path);
	if (r < 0)
		return r;
	if (verbs[i].mutates) {
		r = lxm_container_lock(&ctx->paths, name, &lock_fd);
		if (r < 0)
			return r;
	}

	if (STREQ(verb, "show"))
		return config_show(path);
	if (STREQ(verb, "get"))
		return config_get(path, argv[3]);
	struct change_check check = { .paths = &ctx->paths, .name = name };
	if (STREQ(verb, "set"))
		return lxm_config_set_in_file_checked(path, argv[3], argv[4], check_change, &check);
	if (STREQ(verb, "unset"))
		return lxm_config_set_in_file_checked(path, argv[3], NULL, check_change, &check);
	return config_edit(path, &check);
}
