/* SPDX-License-Identifier: MIT */
#ifndef VRF_CONFIG_H
#define VRF_CONFIG_H

/*
 * The config parser: INI files (read with inih) into a struct vrf_config.
 * Every problem is reported through the log hook as "FILE:LINE: message";
 * the loader keeps going to report all of them, then fails once.
 */

#include <stdio.h>

#include "json.h"
#include "log.h"
#include "model.h"

/* The system config: this file, then the files named *.conf in this directory. */
#define VRF_CONFIG_FILE "/etc/vrfctl.conf"
#define VRF_CONFIG_DIR  "/etc/vrfctl.d"

/* Limits of the [docker] allow and host-allow keys. */
#define VRF_CONFIG_MAX_PORTS 64      /* port entries in one rule */
#define VRF_CONFIG_MAX_RULES 256     /* rules in one key, over all files */

/*
 * Load the config at path, or with path NULL the system config: as
 * vrf_config_load_dir(cfg, VRF_CONFIG_FILE, VRF_CONFIG_DIR, log).
 * *cfg is overwritten. Returns 0; -EINVAL after reporting every error in
 * every file; -ENOMEM; or the -errno of a file that could not be read
 * (reported as "FILE: reason"). On failure *cfg is zeroed: nothing to free.
 */
int vrf_config_load(struct vrf_config *cfg, const char *path, const struct vrf_log *log);

/*
 * file (NULL or missing: skipped), then the regular files in dir whose names
 * end in ".conf" and do not start with '.', in strcmp order (dir NULL or
 * missing: none). No file at all is an empty config, not an error.
 */
int vrf_config_load_dir(struct vrf_config *cfg, const char *file, const char *dir,
			const struct vrf_log *log);

/* Exactly these n files, in this order, as one config; each must exist. */
int vrf_config_load_files(struct vrf_config *cfg, const char *const *paths, size_t n,
			  const struct vrf_log *log);

/*
 * The parsed config as one JSON document (pretty-printed) onto out; the
 * shape is documented in vrfctl.conf(5). Returns 0 or -EIO.
 */
int vrf_config_write_json(const struct vrf_config *cfg, FILE *out);

/* The same object as a value inside a document the caller is writing. */
void vrf_config_json(struct vrf_json *j, const char *key, const struct vrf_config *cfg);

#endif
