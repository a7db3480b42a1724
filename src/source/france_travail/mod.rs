//! France Travail "Offres d'emploi v2": the raw model, the typed parameters, OAuth2 tokens and the
//! blocking client.

pub mod auth;
pub mod client;
pub mod collector;
pub mod model;
pub mod params;
pub mod plan;
pub mod reconcile;
pub mod referential;

pub use client::{DEFAULT_API_URL, DEFAULT_TOKEN_URL, FranceTravailClient, SearchPage};
pub use model::RawOffer;
pub use params::{CreationWindow, SearchParams, Sort};
