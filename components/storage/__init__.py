"""The storage layer: object storage (MinIO, SeaweedFS or external S3), PostgreSQL and Elasticsearch.

The layer itself is `components.storage.layer.Storage`; `placement` holds the pure failure arithmetic
that settings validation also uses (importing the layer here would make that import circular).
"""
