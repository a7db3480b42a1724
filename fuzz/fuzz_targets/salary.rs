//! `parse_salary`: first byte 0 = the rest as a label (lossy UTF-8); 1 = a label of a real shape
//! built from the rest (exact amounts checked); 2 = such a label, mangled.
#![no_main]
use ftcollect_fuzz::props::{check_salary, check_salary_case, mutated_salary_label, salary_case};
use ftcollect_fuzz::{Bytes, mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (m, rest) = mode(data, 3);
    let mut c = Bytes(arbitrary::Unstructured::new(rest));
    match m {
        0 => check_salary(&String::from_utf8_lossy(rest)),
        1 => check_salary_case(&salary_case(&mut c)),
        _ => check_salary(&mutated_salary_label(&mut c)),
    }
});
