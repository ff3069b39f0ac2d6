"""The Parquet lake of meter readings and the portable queries over it (DuckDB / Spark)."""
