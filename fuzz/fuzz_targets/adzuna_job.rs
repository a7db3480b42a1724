//! The Adzuna decoder (`RawJob`, `SearchBody`) and `normalize_adzuna`: first byte 0 = the rest as a
//! raw body; 1 = a real job (from ../shared/fixtures/real) with values replaced by random JSON
//! values of random types, chosen by the rest.
#![no_main]
use ftcollect_fuzz::props::{ADZUNA_KEYS, check_adzuna_bytes, mutated_offer};
use ftcollect_fuzz::{Bytes, adzuna_bases, mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (m, rest) = mode(data, 2);
    match m {
        0 => check_adzuna_bytes(rest),
        _ => {
            let mut c = Bytes(arbitrary::Unstructured::new(rest));
            let job = mutated_offer(adzuna_bases(), &mut c, ADZUNA_KEYS);
            check_adzuna_bytes(&serde_json::to_vec(&job).unwrap());
        }
    }
});
