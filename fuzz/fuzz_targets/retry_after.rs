//! `parse_retry_after`: first byte 0 = the rest as a header value (lossy UTF-8) at a fixed now;
//! 1 = a value and a now built from the rest (seconds, huge numbers, HTTP dates, garbage).
#![no_main]
use ftcollect_fuzz::props::{check_retry_after, fetched_at, retry_after_value, some_now};
use ftcollect_fuzz::{Bytes, mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (m, rest) = mode(data, 2);
    match m {
        0 => check_retry_after(&String::from_utf8_lossy(rest), fetched_at()),
        _ => {
            let mut c = Bytes(arbitrary::Unstructured::new(rest));
            let now = some_now(&mut c);
            let value = retry_after_value(&mut c);
            check_retry_after(&value, now);
        }
    }
});
