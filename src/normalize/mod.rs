//! Raw offers in, rows of the one documented schema out.

pub mod offer;

pub use offer::{COLUMNS, Cell, Column, Kind, NormalizedOffer};
