//! Everything that writes output files: the CSV, the Parquet file, the raw archive.

pub mod csv;
pub mod parquet;
pub mod raw;
