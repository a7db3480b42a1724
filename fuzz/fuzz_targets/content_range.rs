//! `parse_content_range`: first byte 0 = the rest as a header value (lossy UTF-8); 1 = a value
//! built from the rest (the API's shape with arbitrary numbers, or a variation of it).
#![no_main]
use ftcollect::source::france_travail::params::parse_content_range;
use ftcollect_fuzz::props::{check_content_range, content_range_value};
use ftcollect_fuzz::{Bytes, mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (m, rest) = mode(data, 2);
    match m {
        0 => check_content_range(&String::from_utf8_lossy(rest)),
        _ => {
            let mut c = Bytes(arbitrary::Unstructured::new(rest));
            let (value, expected) = content_range_value(&mut c);
            check_content_range(&value);
            if let Some(expected) = expected {
                assert_eq!(parse_content_range(&value), expected, "{value:?}");
            }
        }
    }
});
