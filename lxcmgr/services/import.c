/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>

#include "image/archive-dl.h"
#include "config/config.h"
#include "config/edit.h"
#include "image/archive.h"
#include "cgroup/cgroup.h"
#include "security/idmap.h"
#include "services/copy.h"
#include "services/export-meta.h"
#include "services/import.h"
#include "store/list-cache.h"
#include "store/storage.h"
#include "store/store.h"
#include "util/log.h"
#include "util/uuid.h"

/* Unpacks the outer archive into stage and checks it: *ret_meta filled on success. */
static int unpack_and_verify(const char *file, const char *stage, bool progress, struct lxm_export_meta *ret_meta)
{
	struct lxm_extract_opts opts = { .progress = progress };
	_cleanup_free_ char *meta_path = NULL, *text = NULL;
	int r;

	/* The extractor names the cause (not a tar archive, truncated in member X, a member refused). */
	r = lxm_archive_extract(file, stage, &opts);
	if (r == -ENOSPC || r == -EDQUOT || r == -EROFS || r == -ENOMEM)
		return r; /* logged: the disk's failure, not the archive's */
	if (r < 0)
		return -EBADMSG;
	if (asprintf(&meta_path, "%s/" LXM_EXPORT_META, stage) < 0)
		return -ENOMEM;
	if ((r = lxm_read_file(meta_path, &text, NULL)) < 0)
		return log_error_errno(-EBADMSG, "Archive '%s' has no '" LXM_EXPORT_META "': not an lxcmgr export", file);
	if ((r = lxm_export_meta_parse(text, ret_meta)) < 0)
		return -EBADMSG;
	return lxm_export_meta_verify(ret_meta, stage);
}

/* The name of the container of the store (other than self) whose uuid is uuid: 1 with *ret_owner
 * owned, 0 when there is none. A broken config is skipped (reported by its load). */
static int uuid_owner(const struct lxm_paths *paths, const char *uuid, const char *self, char **ret_owner)
{
	_cleanup_strv_free_ char **names = NULL;
	int r = lxm_store_list(paths, &names), found = 0;

	if (r < 0)
		return r;
	struct lxm_list_cache *cache = lxm_list_cache_load(paths);
	for (char **s = names; *s && r >= 0; s++) {
		_cleanup_(lxm_list_fields_done) struct lxm_list_fields f = {};
		/* the rest kept unread once found, or the cache would be rewritten without them */
		if (STREQ(*s, self) || found) {
			lxm_list_cache_keep(cache, *s);
			continue;
		}
		r = lxm_list_cache_fields(cache, paths, *s, &f, NULL);
		if (r < 0) {
			r = r == -ENOMEM ? r : 0;
			continue;
		}
		if (f.uuid && strcasecmp(f.uuid, uuid) == 0) {
			found = 1;
			r = (*ret_owner = strdup(*s)) ? 0 : -ENOMEM;
		}
	}
	lxm_list_cache_finish(cache);
	return r < 0 ? r : found;
}

/* A uuid is host-wide, whatever the --root: it names the payload cgroup lxcmgr.payload.UUID and
 * keys the isolated id registry. In use by a container of another world (or a running one this
 * store does not list): true. */
static bool uuid_in_use_on_host(const char *uuid)
{
	_cleanup_cgroup_ struct lxm_cgroup *cg = NULL;
	struct lxm_idmap_files files;
	uint32_t start;

	lxm_idmap_files_default(&files);
	if (lxm_idmap_registry_lookup(uuid, &files, &start) == 0)
		return true;
	return lxm_cgroup_open_by_id(uuid, LXM_CGROUP_PAYLOAD, &cg) >= 0 && lxm_cgroup_exists(cg);
}

/* Archived settings that reach out of the container onto the host: an archive from elsewhere can
 * carry them as well as a backup of one's own can. They are kept (a restore must give back what
 * the container had) and named, for a look before the first start. */
static void warn_host_access(cfg_t *cfg, const char *file, const char *name)
{
	char what[256] = "";
	static const char *const hook_keys[] = { "pre_start", "post_start", "pre_stop", "post_stop" };
	cfg_t *sec = cfg_getsec(cfg, "security"), *hook = cfg_getsec(cfg, "hook");
	bool hooks = false;

	for (size_t i = 0; hook && i < ARRAY_SIZE(hook_keys); i++)
		hooks = hooks || !IS_EMPTY(cfg_getstr(hook, hook_keys[i]));
	const char *idmap = sec ? cfg_getstr(sec, "idmap") : NULL, *seccomp = sec ? cfg_getstr(sec, "seccomp") : NULL;
	const char *apparmor = sec ? cfg_getstr(sec, "apparmor") : NULL;
	struct {
		bool on;
		const char *label;
	} items[] = {
		{ hooks, "hooks (run on the host as root)" },
		{ cfg_size(cfg, "mount") > 0, "mounts of host paths" },
		{ cfg_size(cfg, "forward") > 0, "port forwards" },
		{ sec && cfg_getbool(sec, "privileged"), "privileged" },
		{ idmap && !STREQ(idmap, "auto") && !STREQ(idmap, "isolated"), "an explicit id map" },
		{ seccomp && STREQ(seccomp, "none"), "no seccomp" },
		{ apparmor && STREQ(apparmor, "unconfined"), "no AppArmor" },
		{ sec && cfg_size(sec, "devices") > 0, "extra devices" },
		{ sec && cfg_size(sec, "cap_keep") > 0, "kept capabilities" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(items); i++)
		if (items[i].on)
			snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s", what[0] ? ", " : "",
				 items[i].label);
	if (what[0])
		log_warning("The config in '%s' gives '%s' access to the host: %s; check 'lxcmgr config %s show' "
			    "before starting it if the archive is not your own",
			    file, name, what, name);
}

/*
 * The config the container is committed with, from the archived one. The archive is hostile until
 * proven otherwise: its config is parsed and validated as `create` and `config set` do, before
 * anything is committed, so a `name = "../../evil"` or `uuid = "../../../x"` (a uuid names the
 * payload cgroup and the isolated id block: a path outside them) is refused rather than imported
 * as a broken container; and its storage keys are dropped: the rootfs is a plain tree unpacked
 * here, and a `storage_base` would make start mount any host directory as its lower layer.
 * *ret_new_machine: the rootfs gets a new identity too.
 */
static int import_config(const struct lxm_paths *paths, const char *file, const char *stage,
			 const struct lxm_export_meta *m, const char *name, char **ret, bool *ret_new_machine)
{
	_cleanup_free_ char *path = NULL, *text = NULL, *source = NULL, *owner = NULL;
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	int r;

	if (asprintf(&path, "%s/config", stage) < 0 || asprintf(&source, "%s: config", file) < 0)
		return -ENOMEM;
	if ((r = lxm_read_file(path, &text, NULL)) < 0)
		return log_error_errno(r, "Failed to read '%s': %m", path);
	if (lxm_config_parse_string(text, source, &cfg) < 0)
		return -EBADMSG; /* logged, "FILE: config:LINE: ..." */
	warn_host_access(cfg, file, name);
	const char *uuid = cfg_getstr(cfg, "uuid");
	if ((r = lxm_config_edit_text_in_place(&text, "storage", NULL)) < 0 ||
	    (r = lxm_config_edit_text_in_place(&text, "storage_base", NULL)) < 0)
		return r;

	/* A uuid names the container's payload cgroup and its isolated id block: two containers with
	 * one uuid share them, and stopping or destroying one kills or releases the other. An import
	 * under a new name is a second container beside the first, as a copy is: new uuid, MAC and
	 * address, machine-id and hostname. Under the recorded name it is a restore of that machine
	 * and keeps them all, but for a uuid another container already has (the original renamed). */
	*ret_new_machine = !STREQ(name, m->name);
	if (*ret_new_machine) {
		log_debug("Importing '%s' as '%s' with a new identity", m->name, name);
		return lxm_config_text_reidentify(text, name, true, ret);
	}
	r = IS_EMPTY(uuid) ? 0 : uuid_owner(paths, uuid, name, &owner);
	if (r < 0)
		return r;
	if (r > 0 || (!IS_EMPTY(uuid) && uuid_in_use_on_host(uuid))) {
		/* The machine the archive holds is still there (renamed, or in another world): this one
		 * is a second machine beside it, as under a new name, only its name is kept (the same
		 * uuid, MAC or address beside the first would break both). */
		log_info("The uuid %s of the archive is in use%s%s%s: '%s' is restored as a new machine", uuid,
			 owner ? " by container '" : " on this host", owner ? owner : "", owner ? "'" : "", name);
		*ret_new_machine = true;
		return lxm_config_text_reidentify(text, name, true, ret);
	}
	if (IS_EMPTY(uuid)) {
		char s[LXM_UUID_STRING_LEN];
		lxm_uuid_v4(s);
		if ((r = lxm_config_edit_text_in_place(&text, "uuid", s)) < 0)
			return r;
	}
	/* The name the metadata recorded is the one the config must have. */
	if ((r = lxm_config_edit_text_in_place(&text, "name", name)) < 0)
		return r;
	cfg_free(TAKE_PTR(cfg));
	if ((r = lxm_config_parse_string(text, source, &cfg)) < 0)
		return r;
	*ret = TAKE_PTR(text);
	return 0;
}

/* On a store on btrfs the imported rootfs is a subvolume (as `create` makes it there). */
static int import_storage(const struct lxm_paths *paths, struct lxm_store_txn *t, char **config)
{
	int r;
	if (lxm_storage_default(paths) != LXM_STORAGE_BTRFS)
		return 0;
	if ((r = lxm_storage_btrfs_rootfs(t->tmp_rootfs)) < 0)
		return r;
	return lxm_config_edit_text_in_place(config, "storage", "btrfs");
}

/*
 * The snapshots' configs and trees get the identity the container got: `snapshot restore` brings a
 * snapshot's config back (all but the name), and with it the archive's uuid would be shared again.
 * They come from the archive too: each config is validated as the container's was.
 */
static int import_snapshots(const char *file, const char *snaps, const char *config, const char *name,
			    bool new_machine)
{
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	_cleanup_closedir_ DIR *d = opendir(snaps);
	struct dirent *de;
	int r;

	if (!d)
		return log_error_errno(negative_errno(), "Failed to open '%s': %m", snaps);
	if ((r = lxm_config_parse_string(config, "config", &cfg)) < 0)
		return r;
	const char *uuid = cfg_getstr(cfg, "uuid"), *storage = cfg_getstr(cfg, "storage");
	if (storage && STREQ(storage, "dir"))
		storage = NULL; /* the default (import_storage() sets nothing else but btrfs) */
	while ((de = readdir(d))) {
		_cleanup_free_ char *dir = NULL, *path = NULL, *rootfs = NULL, *text = NULL, *out = NULL;
		_cleanup_free_ char *source = NULL;
		_cleanup_cfg_free_ cfg_t *snap_cfg = NULL;
		struct stat st;

		/* The snapshot directory, its config and its rootfs must be what they seem: a symlink
		 * planted in the archive (snapshots/s1 -> another container's directory, or -> /) would
		 * make us rewrite a config or an etc/hostname outside the import. */
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (lxm_path_join(&dir, snaps, de->d_name) < 0 || lxm_path_join(&path, dir, "config") < 0 ||
		    lxm_path_join(&rootfs, dir, "rootfs") < 0 ||
		    asprintf(&source, "%s: snapshots/%s/config", file, de->d_name) < 0)
			return -ENOMEM;
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue; /* no config: `snapshot restore` refuses it, as before */
		if ((r = lxm_read_file(path, &text, NULL)) < 0)
			return log_error_errno(r, "Failed to read '%s': %m", path);
		if (lxm_config_parse_string(text, source, &snap_cfg) < 0)
			return -EBADMSG;
		if (new_machine) {
			if ((r = lxm_config_text_reidentify(text, name, false, &out)) < 0)
				return r;
			free(text);
			text = TAKE_PTR(out);
			if (lstat(rootfs, &st) >= 0 && S_ISDIR(st.st_mode) &&
			    (r = lxm_rootfs_reidentify(rootfs, name, true)) < 0)
				return r;
		}
		/* Its storage is the container's (a storage_base: any host directory as a lower layer). */
		if ((r = lxm_config_edit_text_in_place(&text, "uuid", uuid)) < 0 ||
		    (r = lxm_config_edit_text_in_place(&text, "storage_base", NULL)) < 0 ||
		    (r = lxm_config_edit_text_in_place(&text, "storage", storage)) < 0)
			return r;
		if ((r = lxm_write_file_atomic(path, text, 0644)) < 0)
			return log_error_errno(r, "Failed to write '%s': %m", path);
	}
	return 0;
}

static int import_into(const struct lxm_paths *paths, struct lxm_store_txn *t, const char *file, const char *name,
		       bool progress)
{
	struct lxm_extract_opts opts = { .progress = progress };
	_cleanup_free_ char *stage = NULL, *member = NULL, *snaps = NULL, *config = NULL;
	struct lxm_export_meta m;
	bool new_machine;
	int r;

	if (asprintf(&stage, "%s/.import", t->tmp_dir) < 0 || asprintf(&snaps, "%s/snapshots", t->tmp_dir) < 0)
		return -ENOMEM;
	if (mkdir(stage, 0700) < 0)
		return log_error_errno(negative_errno(), "Failed to create '%s': %m", stage);
	if ((r = unpack_and_verify(file, stage, progress, &m)) < 0)
		return r;
	if ((r = import_config(paths, file, stage, &m, name, &config, &new_machine)) < 0)
		return r;
	if ((r = import_storage(paths, t, &config)) < 0)
		return r;
	if (asprintf(&member, "%s/rootfs.tar", stage) < 0)
		return -ENOMEM;
	if ((r = lxm_archive_extract(member, t->tmp_rootfs, &opts)) < 0)
		return r;
	/* A new name is the hostname inside too, as after a rename or a copy (the config's hostname
	 * alone left /etc/hostname, which the init reads, with the exported container's name); and a
	 * new machine: an empty machine-id is generated anew at boot, as after a copy (two machines
	 * with one id share a DHCP client id and a journal identity). */
	if (new_machine && (r = lxm_rootfs_reidentify(t->tmp_rootfs, name, true)) < 0)
		return r;
	if (m.snapshots_sha256[0]) {
		free(member);
		if (asprintf(&member, "%s/snapshots.tar", stage) < 0)
			return -ENOMEM;
		if (mkdir(snaps, 0700) < 0)
			return log_error_errno(negative_errno(), "Failed to create '%s': %m", snaps);
		if ((r = lxm_archive_extract(member, snaps, &opts)) < 0 ||
		    (r = import_snapshots(file, snaps, config, name, new_machine)) < 0)
			return r;
	}
	if ((r = lxm_rm_rf(stage)) < 0)
		return log_error_errno(r, "Failed to remove '%s': %m", stage);
	return lxm_store_txn_commit(t, config);
}

/* Reads only the metadata member (cheap: no rootfs is unpacked). The result is trusted for nothing
 * but the default name: import_into() verifies everything again. */
static int read_meta_name(const char *file, char **ret)
{
	if (lxm_archive_load() < 0)
		return -ELIBACC;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct lxm_export_meta m;
	char buf[4096];
	int r = -EBADMSG;

	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		r = log_error_errno(-EBADMSG, "Archive '%s' is not an lxcmgr export: %s", file, archive_error_string(a));
		goto out;
	}
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);
		if (strncmp(n, "./", 2) == 0)
			n += 2;
		if (!STREQ(n, LXM_EXPORT_META))
			continue;
		la_ssize_t len = archive_read_data(a, buf, sizeof(buf) - 1);
		if (len < 0)
			break;
		buf[len] = '\0';
		if (lxm_export_meta_parse(buf, &m) >= 0)
			r = (*ret = strdup(m.name)) ? 0 : -ENOMEM;
		break;
	}
	if (r == -EBADMSG)
		log_error("Archive '%s' has no valid '" LXM_EXPORT_META "': not an lxcmgr export", file);
out:
	archive_read_free(a);
	return r;
}

int lxm_import_read(const struct lxm_paths *paths, const char *file, const char *name, bool progress, char **ret_name)
{
	struct lxm_store_txn t = LXM_STORE_TXN_INIT;
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *final = NULL;
	int r;

	(void)lxm_store_gc(paths);
	if (!name) {
		if ((r = read_meta_name(file, &final)) < 0)
			return r;
		name = final;
	}
	if ((r = lxm_name_validate(name)) < 0)
		return r;
	if ((r = lxm_container_lock(paths, name, &lock)) < 0)
		return r;
	if ((r = lxm_store_txn_begin(paths, name, &t)) < 0)
		return r;
	r = import_into(paths, &t, file, name, progress);
	if (r < 0) {
		lxm_store_txn_abort(&t);
		/* Every failure is logged where it was decided, but for memory. */
		return r == -ENOMEM ? log_error_errno(r, "Failed to import '%s': %m", file) : r;
	}
	if (ret_name && !(*ret_name = strdup(name)))
		return -ENOMEM;
	return 0;
}
