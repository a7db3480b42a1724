//! The simulated Adzuna search API (`/adzuna/v1/api/jobs/{country}/search/{page}`).
//!
//! Not served yet: the Adzuna source lands with its own issue. Until then every Adzuna path is 404.

use super::server::{Reply, State};

/// The Adzuna side of the simulator.
pub struct AdzunaSim;

impl AdzunaSim {
    pub fn handle(&self, _state: &State, _path: &str, _pairs: &[(String, String)]) -> Reply {
        Reply::empty(404)
    }
}
