"""The Bucket provider: S3 buckets through the standard S3 API (`bucket`), its inputs, session and configuration."""
