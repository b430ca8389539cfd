"""Backups: the offsite copy of the lake and the backups (layer.py), mirrored nightly with rclone (mirror.py)."""
