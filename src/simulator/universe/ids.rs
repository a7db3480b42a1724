//! Offer ids: a record's index maps to a 7-character id (`123ABCD`-like) by a bijection of the
//! id space drawn from the seed, so ids look random yet decode back to their record.

/// Offer ids that look like the API's (`184TRJB`: 3 digits, 4 letters), bijective with the index.
pub(super) struct IdCodec {
    offset: u64,
    mul: u64,
    inv: u64,
}

pub(super) const ID_SPACE: u64 = 1000 * 26 * 26 * 26 * 26;

impl IdCodec {
    pub(super) fn new(seed: u64) -> Self {
        let mul = 48_271u64; // coprime with 2, 5 and 13, the factors of ID_SPACE
        let inv = mod_inverse(mul, ID_SPACE);
        IdCodec {
            offset: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) % ID_SPACE,
            mul,
            inv,
        }
    }

    pub(super) fn encode(&self, idx: u32) -> String {
        let x = ((idx as u64 % ID_SPACE) * self.mul + self.offset) % ID_SPACE;
        let digits = x / 456_976;
        let mut letters = x % 456_976;
        let mut s = format!("{digits:03}");
        let mut l = [b'A'; 4];
        for slot in l.iter_mut().rev() {
            *slot = b'A' + (letters % 26) as u8;
            letters /= 26;
        }
        s.push_str(std::str::from_utf8(&l).unwrap_or("AAAA"));
        s
    }

    pub(super) fn decode(&self, id: &str) -> Option<u32> {
        let b = id.as_bytes();
        if b.len() != 7
            || !b[..3].iter().all(u8::is_ascii_digit)
            || !b[3..].iter().all(u8::is_ascii_uppercase)
        {
            return None;
        }
        let digits: u64 = id[..3].parse().ok()?;
        let letters = b[3..]
            .iter()
            .fold(0u64, |acc, c| acc * 26 + (c - b'A') as u64);
        let x = digits * 456_976 + letters;
        let idx =
            ((x + ID_SPACE - self.offset) % ID_SPACE) as u128 * self.inv as u128 % ID_SPACE as u128;
        u32::try_from(idx).ok()
    }
}

pub(super) fn mod_inverse(a: u64, m: u64) -> u64 {
    let (mut t, mut new_t, mut r, mut new_r) = (0i128, 1i128, m as i128, a as i128);
    while new_r != 0 {
        let q = r / new_r;
        (t, new_t) = (new_t, t - q * new_t);
        (r, new_r) = (new_r, r - q * new_r);
    }
    (if t < 0 { t + m as i128 } else { t }) as u64
}
