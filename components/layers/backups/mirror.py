"""The offsite mirror's rclone command lines and configuration: one pure function, used by the CronJob and by the
tests' dry run against a real S3 server, so that what is tested is what runs.

rclone is configured entirely from the environment (`RCLONE_CONFIG_<REMOTE>_<OPTION>`), with two remotes:
`platform` (the lake's object store, read with the mirror's own read-only credential) and `offsite`. Each bucket
is copied with `rclone copy`, which adds and updates but never deletes: an object deleted in the platform stays
offsite until the offsite bucket's lifecycle expires it, and a changed one becomes a new version there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from components.platform.contracts import ACCESS_KEY_ID, SECRET_ACCESS_KEY

MIRRORED = ("bronze", "silver", "gold", "backups")
"""The logical buckets copied offsite (the lake's layers, and the backups of PostgreSQL, Elasticsearch, Dremio)."""
FLAGS = (
    "--checksum",  # compare by hash and size, not by modification time (the stores set their own)
    "--no-update-modtime",
    "--s3-no-check-bucket",  # the buckets exist; the mirror's credential may not create them
    "--fast-list",
    "--transfers", "8",
    "--retries", "3",
    "--low-level-retries", "10",
    "--stats-one-line", "--stats", "60s",
    "-v",
)


def remote_environment(remote: str, *, endpoint: str | None, region: str, provider: str) -> dict[str, str]:
    """The non-secret options of one rclone remote; its keys come from a Secret
    (`RCLONE_CONFIG_<REMOTE>_ACCESS_KEY_ID`, `..._SECRET_ACCESS_KEY`)."""
    prefix = f"RCLONE_CONFIG_{remote.upper()}_"
    options = {"TYPE": "s3", "PROVIDER": provider, "REGION": region, "ENV_AUTH": "false"}
    if endpoint:
        options["ENDPOINT"] = endpoint
        options["FORCE_PATH_STYLE"] = "true"
    return {prefix + key: value for key, value in options.items()}


def copy_commands(buckets: Mapping[str, str], offsite_bucket: str) -> list[list[str]]:
    """One `rclone copy` per mirrored bucket, into `<offsite bucket>/<logical name>/`."""
    return [
        ["rclone", "copy", f"platform:{buckets[logical]}", f"offsite:{offsite_bucket}/{logical}", *FLAGS]
        for logical in MIRRORED
        if logical in buckets
    ]


SECRETS_DIR = "/secrets"
"""Where the CronJob mounts the two credentials (`<dir>/platform`, `<dir>/offsite`, keys as in contracts)."""


def script(commands: Sequence[Sequence[str]], *, secrets_dir: str = SECRETS_DIR) -> str:
    """The CronJob's shell script: the keys read from the mounted Secrets (never in the pod spec), then every
    copy, stopping at the first failure (the run fails and is retried)."""
    lines = ["set -eu"]
    for remote in ("platform", "offsite"):
        prefix = f"RCLONE_CONFIG_{remote.upper()}_"
        lines.append(f'{prefix}ACCESS_KEY_ID="$(cat {secrets_dir}/{remote}/{ACCESS_KEY_ID})"; export {prefix}ACCESS_KEY_ID')
        lines.append(f'{prefix}SECRET_ACCESS_KEY="$(cat {secrets_dir}/{remote}/{SECRET_ACCESS_KEY})"; export {prefix}SECRET_ACCESS_KEY')
    lines.append('echo "mirroring $(date -u +%FT%TZ)"')
    lines += [" ".join(_quote(part) for part in command) for command in commands]
    lines.append('echo "mirror complete"')
    return "\n".join(lines) + "\n"


def _quote(part: str) -> str:
    return part if all(c.isalnum() or c in "-_.:/=" for c in part) else "'" + part.replace("'", "'\\''") + "'"
