"""A program declaring one Bucket, for the tests of the resource class (type token, secret outputs)."""

from components.providers.s3.bucket import Bucket, BucketArgs

Bucket(
    "bronze",
    BucketArgs(
        # A plain dict on purpose: the resource must mark the connection secret by itself.
        connection={"endpoint": "http://object-storage:9000", "access_key": "PROGRAMKEY", "secret_key": "program-secret-value"},
        name="bronze",
        versioning=True,
        tags={"layer": "bronze"},
    ),
)
