//! The France Travail decoder (`RawOffer`, `SearchBody`) and `normalize_france_travail`: first
//! byte 0 = the rest as a raw body; 1 = a real offer (from ../shared/fixtures/real) with values
//! replaced by random JSON values of random types, chosen by the rest.
#![no_main]
use ftcollect_fuzz::props::{FT_KEYS, check_france_travail_bytes, mutated_offer};
use ftcollect_fuzz::{Bytes, france_travail_bases, mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (m, rest) = mode(data, 2);
    match m {
        0 => check_france_travail_bytes(rest),
        _ => {
            let mut c = Bytes(arbitrary::Unstructured::new(rest));
            let offer = mutated_offer(france_travail_bases(), &mut c, FT_KEYS);
            check_france_travail_bytes(&serde_json::to_vec(&offer).unwrap());
        }
    }
});
