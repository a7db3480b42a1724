//! The APIs offers come from. Each source has its raw model and its client; nothing outside this
//! module speaks to an API.

pub mod adzuna;
pub mod france_travail;
pub mod lenient;

pub use lenient::Lenient;
