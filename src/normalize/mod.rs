//! Raw offers in, rows of the one documented schema out.

pub mod adzuna;
pub mod chunk;
pub mod departements;
pub mod duplicates;
pub mod france_travail;
pub mod input;
pub mod location;
pub mod offer;
pub mod remote;
pub mod salary;
pub mod salary_comment;
pub mod stream;
pub mod warnings;

pub use adzuna::normalize_adzuna;
pub use departements::{DEPARTEMENTS, Departement, REGIONS, is_departement, region_of};
pub use france_travail::{normalize_france_travail, normalize_france_travail_owned};
pub use input::{
    InputError, InputErrorKind, RawOffers, RawRecord, read_adzuna_jobs, read_all, read_offers,
};
pub use offer::{COLUMNS, Cell, Column, Kind, NormalizedOffer};
pub use remote::remote_work;
pub use salary::{Period, Salary, parse_salary};
pub use stream::{Input, Material, NormalizeConfig, NormalizeReport};
pub use warnings::Warnings;
