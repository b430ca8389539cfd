"""The bronze destination's configuration (Airbyte's S3 destination), as the wiring declares it."""

from __future__ import annotations

from components.layers.wiring.destination import bronze_configuration


def test_the_bronze_destination_writes_parquet_by_stream_and_day() -> None:
    configuration = bronze_configuration(endpoint="http://object-storage.dp-storage.svc.cluster.local:9000", region="us-east-1",
                                         bucket="bronze", access_key="k", secret_key="s")
    assert configuration["format"] == {"format_type": "Parquet", "compression_codec": "SNAPPY"}
    assert configuration["s3_path_format"] == "${STREAM_NAME}/${YEAR}-${MONTH}-${DAY}/"
    assert configuration["s3_endpoint"] == "http://object-storage.dp-storage.svc.cluster.local:9000"
    aws = bronze_configuration(endpoint="https://s3.eu-west-1.amazonaws.com", region="eu-west-1", bucket="acme-bronze",
                               access_key="k", secret_key="s")
    assert "s3_endpoint" not in aws
