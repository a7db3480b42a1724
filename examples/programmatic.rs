//! Using ftcollect as a library, like the seed's Python example.
//!
//! With FRANCE_TRAVAIL_ID and FRANCE_TRAVAIL_KEY set (environment or .env), this collects from the
//! real API; without them it starts the built-in simulator and collects from it.
//!
//!     cargo run --release --example programmatic

use std::time::Duration;

use ftcollect::api::{FranceTravailApi, HistoricalCollector};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    dotenvy::dotenv().ok();
    let id = std::env::var("FRANCE_TRAVAIL_ID").ok();
    let key = std::env::var("FRANCE_TRAVAIL_KEY").ok();

    // Keep the simulator alive for the whole collection when there are no credentials.
    let (api, _simulator) = match (id, key) {
        (Some(id), Some(key)) => (FranceTravailApi::new(id, key), None),
        _ => {
            let sim = ftcollect::simulator::start(Default::default())?;
            let api = FranceTravailApi::new("demo-id", "demo-secret")
                .with_urls(sim.api_url(), sim.token_url());
            (api, Some(sim))
        }
    };

    let collector = HistoricalCollector::new(api)
        .results_per_page(150)
        .rate_limit_delay(Duration::from_secs_f64(0.1));

    let output_file = collector.collect_data("data/output.csv", 6, Some("data scientist"))?;
    println!("Collection finished! File: {}", output_file.display());
    Ok(())
}
