"""The storage layer: object storage (MinIO, SeaweedFS or external S3), PostgreSQL and Elasticsearch.

`layer.Storage` composes `object_storage` (with `minio`, `seaweedfs` and the bucket set-up Job in
`buckets`), `postgresql` and `search`.
"""
