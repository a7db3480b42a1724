//! Tolerant decoding of raw API values.
//!
//! The APIs change under us: a field that was a string becomes a number, an object becomes an array.
//! Every field of the raw models is a [`Lenient`], which records *what* arrived — absent, null, a value
//! of the expected shape, or something else — instead of failing the whole page. The invariant:
//! decoding a syntactically valid JSON document never fails because of a field's type; the
//! normalizer turns `Invalid` into null and counts it in the run's warning tally.
//!
//! Nor because an object repeats a key (valid JSON; serde's derived code refuses it): decode whole
//! documents with [`from_slice`], which runs the derived code and, only for the rare document it
//! refuses for that reason, decodes it again keeping each key's first value.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

/// A raw field as it arrived.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Lenient<T> {
    /// The key was not in the object (the APIs omit absent keys).
    #[default]
    Absent,
    /// The key was present with `null`.
    Null,
    /// A value of the expected shape.
    Value(T),
    /// A value of another JSON type; it was skipped.
    Invalid,
}

impl<T> Lenient<T> {
    /// The value, if one of the expected shape arrived.
    pub fn get(&self) -> Option<&T> {
        match self {
            Lenient::Value(v) => Some(v),
            _ => None,
        }
    }

    /// True when a value of an unexpected type arrived.
    pub fn is_invalid(&self) -> bool {
        matches!(self, Lenient::Invalid)
    }

    /// Consumes the field, keeping only a well-typed value.
    pub fn into_option(self) -> Option<T> {
        match self {
            Lenient::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<T> for Lenient<T> {
    fn from(v: T) -> Self {
        Lenient::Value(v)
    }
}

/// The JSON shape a type expects, so the decoder can skip anything else without consuming it wrongly.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    Str,
    Float,
    Int,
    Bool,
    Map,
    Seq,
}

/// Types that can sit inside a [`Lenient`].
pub trait Shaped {
    const SHAPE: Shape;
}

impl Shaped for String {
    const SHAPE: Shape = Shape::Str;
}
impl Shaped for f64 {
    const SHAPE: Shape = Shape::Float;
}
impl Shaped for i64 {
    const SHAPE: Shape = Shape::Int;
}
impl Shaped for bool {
    const SHAPE: Shape = Shape::Bool;
}
impl<T> Shaped for Vec<T> {
    const SHAPE: Shape = Shape::Seq;
}

/// Declares that a struct is decoded from a JSON object, where a repeated key keeps its first value.
///
/// The struct derives `Deserialize` with `#[serde(remote = "Self")]` (which turns the derived code
/// into an inherent `deserialize` function); this macro adds the `Deserialize` impl, which runs
/// that derived code behind [`FirstKeyWins`]. Why: serde's derived code fails the whole object on
/// a repeated key (`duplicate field`), and with it the page; a repeated key is valid JSON.
#[macro_export]
macro_rules! lenient_map {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::source::lenient::Shaped for $t {
            const SHAPE: $crate::source::lenient::Shape = $crate::source::lenient::Shape::Map;
        }
        impl<'de> $crate::source::lenient::DerivedMap<'de> for $t {
            fn derived<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$t>::deserialize(d)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::source::lenient::first_key_wins(d)
            }
        })*
    };
}

/// A struct whose derived (`remote = "Self"`) decoding [`first_key_wins`] wraps.
pub trait DerivedMap<'de>: Sized {
    fn derived<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

thread_local! {
    /// Whether [`first_key_wins`] skips repeated keys; off, it is serde's derived code, untouched.
    static SKIP_REPEATED_KEYS: Cell<bool> = const { Cell::new(false) };
}

/// Runs `decode` with repeated keys skipped (the tolerant path, ~25% slower than the derived code,
/// so it only ever runs on a document the derived code refused; see [`from_slice`]).
pub fn skipping_repeated_keys<R>(decode: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SKIP_REPEATED_KEYS.set(self.0);
        }
    }
    let _restore = Restore(SKIP_REPEATED_KEYS.replace(true));
    decode()
}

/// True when `e` is serde's derived code refusing an object that repeats a key.
pub fn is_repeated_key(e: &serde_json::Error) -> bool {
    e.is_data() && e.to_string().starts_with("duplicate field `")
}

/// Decodes one JSON document: the derived code first, and again with repeated keys skipped only
/// when an object of it repeats a key.
pub fn from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> serde_json::Result<T> {
    match serde_json::from_slice(bytes) {
        Err(e) if is_repeated_key(&e) => skipping_repeated_keys(|| serde_json::from_slice(bytes)),
        decoded => decoded,
    }
}

/// Decodes a JSON object into `T`. Inside [`skipping_repeated_keys`], the first value of a repeated
/// key is kept and the others skipped (what `Lenient`'s own documents do: `resultats` is read
/// once); outside, this is the derived code. Anything but an object is an error either way (the
/// derived code alone would take an array as the struct's fields in order).
pub fn first_key_wins<'de, D: Deserializer<'de>, T: DerivedMap<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: DerivedMap<'de>> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            if !SKIP_REPEATED_KEYS.get() {
                return T::derived(de::value::MapAccessDeserializer::new(map));
            }
            T::derived(de::value::MapAccessDeserializer::new(FirstKeyWins {
                inner: map,
                seen: SeenKeys::default(),
            }))
        }
    }
    d.deserialize_map(V(PhantomData))
}

/// A map whose repeated keys (after the first) are skipped with their values.
pub struct FirstKeyWins<'de, A> {
    inner: A,
    seen: SeenKeys<'de>,
}

/// The keys of one object so far. Decoding runs for every key of every offer, so the common case
/// costs no allocation and almost no comparison: keys are kept in an array on the stack (an object
/// with more keys, or escaped keys, spill to the heap), and a 256-bit filter over a cheap hash says
/// when a key is certainly new; only a filter hit compares strings.
struct SeenKeys<'de> {
    filter: [u64; 4],
    inline: [&'de str; INLINE_KEYS],
    len: usize,
    spilled: Vec<Cow<'de, str>>,
}

const INLINE_KEYS: usize = 64;

impl Default for SeenKeys<'_> {
    fn default() -> Self {
        SeenKeys {
            filter: [0; 4],
            inline: [""; INLINE_KEYS],
            len: 0,
            spilled: Vec::new(),
        }
    }
}

impl<'de> SeenKeys<'de> {
    fn hash(key: &str) -> usize {
        let b = key.as_bytes();
        let mut h = b.len() as u64;
        for &x in b.iter().take(12).chain(b.iter().rev().take(4)) {
            h = (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3);
        }
        (h ^ (h >> 29)) as usize & 255
    }

    /// Records `key`; false when it was already there.
    fn insert(&mut self, key: Cow<'de, str>) -> bool {
        let h = Self::hash(&key);
        let (word, bit) = (h / 64, 1u64 << (h % 64));
        if self.filter[word] & bit != 0
            && (self.inline[..self.len].contains(&key.as_ref()) || self.spilled.contains(&key))
        {
            return false;
        }
        self.filter[word] |= bit;
        match key {
            Cow::Borrowed(k) if self.len < INLINE_KEYS => {
                self.inline[self.len] = k;
                self.len += 1;
            }
            key => self.spilled.push(key),
        }
        true
    }
}

/// A map key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for FirstKeyWins<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(Key(key)) = self.inner.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            // Cloning a borrowed key copies a pointer; only an escaped key is allocated twice.
            if !self.seen.insert(key.clone()) {
                self.inner.next_value::<IgnoredAny>()?;
                continue;
            }
            return match key {
                Cow::Borrowed(s) => seed
                    .deserialize(de::value::BorrowedStrDeserializer::new(s))
                    .map(Some),
                Cow::Owned(s) => seed
                    .deserialize(de::value::StringDeserializer::new(s))
                    .map(Some),
            };
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, T> Deserialize<'de> for Lenient<T>
where
    T: Deserialize<'de> + Shaped,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor(PhantomData))
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T> Visitor<'de> for LenientVisitor<T>
where
    T: Deserialize<'de> + Shaped,
{
    type Value = Lenient<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        if T::SHAPE == Shape::Bool {
            return T::deserialize(de::value::BoolDeserializer::<E>::new(v)).map(Lenient::Value);
        }
        Ok(Lenient::Invalid)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match T::SHAPE {
            Shape::Int => {
                T::deserialize(de::value::I64Deserializer::<E>::new(v)).map(Lenient::Value)
            }
            Shape::Float => {
                T::deserialize(de::value::F64Deserializer::<E>::new(v as f64)).map(Lenient::Value)
            }
            _ => Ok(Lenient::Invalid),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match T::SHAPE {
            Shape::Int if v <= i64::MAX as u64 => {
                T::deserialize(de::value::I64Deserializer::<E>::new(v as i64)).map(Lenient::Value)
            }
            Shape::Float => {
                T::deserialize(de::value::F64Deserializer::<E>::new(v as f64)).map(Lenient::Value)
            }
            _ => Ok(Lenient::Invalid),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        match T::SHAPE {
            Shape::Float => {
                T::deserialize(de::value::F64Deserializer::<E>::new(v)).map(Lenient::Value)
            }
            // An integral float (`1.0`) is still an integer.
            Shape::Int if v.fract() == 0.0 && v.abs() < 9.0e15 => {
                T::deserialize(de::value::I64Deserializer::<E>::new(v as i64)).map(Lenient::Value)
            }
            _ => Ok(Lenient::Invalid),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if T::SHAPE == Shape::Str {
            return T::deserialize(de::value::StrDeserializer::<E>::new(v)).map(Lenient::Value);
        }
        Ok(Lenient::Invalid)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.visit_str(v)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        if T::SHAPE == Shape::Str {
            return T::deserialize(de::value::StringDeserializer::<E>::new(v)).map(Lenient::Value);
        }
        Ok(Lenient::Invalid)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if T::SHAPE == Shape::Map {
            return T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Lenient::Value);
        }
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Lenient::Invalid)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if T::SHAPE == Shape::Seq {
            return T::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Lenient::Value);
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Lenient::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, Default)]
    #[serde(default, remote = "Self")]
    struct Inner {
        a: Lenient<String>,
    }
    lenient_map!(Inner);

    #[derive(Deserialize, Debug, Default)]
    #[serde(default)]
    struct Outer {
        s: Lenient<String>,
        f: Lenient<f64>,
        i: Lenient<i64>,
        b: Lenient<bool>,
        m: Lenient<Inner>,
        l: Lenient<Vec<Lenient<Inner>>>,
        after: Lenient<String>,
    }

    #[test]
    fn expected_shapes_decode() {
        let o: Outer = serde_json::from_str(
            r#"{"s":"x","f":1.5,"i":3,"b":true,"m":{"a":"y"},"l":[{"a":"z"}],"after":"ok"}"#,
        )
        .unwrap();
        assert_eq!(o.s, Lenient::Value("x".into()));
        assert_eq!(o.f, Lenient::Value(1.5));
        assert_eq!(o.i, Lenient::Value(3));
        assert_eq!(o.b, Lenient::Value(true));
        assert_eq!(o.m.get().unwrap().a, Lenient::Value("y".into()));
        assert_eq!(
            o.l.get().unwrap()[0].get().unwrap().a,
            Lenient::Value("z".into())
        );
        assert_eq!(o.after, Lenient::Value("ok".into()));
    }

    #[test]
    fn wrong_types_become_invalid_and_parsing_continues() {
        let o: Outer = serde_json::from_str(
            r#"{"s":{"deep":[1,2,{"x":3}]},"f":"1.5","i":2.5,"b":"true","m":[1,2],"l":{"a":"z"},"after":"ok"}"#,
        )
        .unwrap();
        assert!(o.s.is_invalid());
        assert!(o.f.is_invalid());
        assert!(o.i.is_invalid());
        assert!(o.b.is_invalid());
        assert!(o.m.is_invalid());
        assert!(o.l.is_invalid());
        assert_eq!(o.after, Lenient::Value("ok".into()));
    }

    #[test]
    fn a_repeated_key_keeps_its_first_value() {
        // Found by fuzzing: serde's derived code failed the whole object (`duplicate field`).
        let doc = br#"{"m":{"a":"first","a":"second","a":3},"l":[{"a":"x","a":{}}],"after":"ok"}"#;
        let e = serde_json::from_slice::<Outer>(doc).unwrap_err();
        assert!(is_repeated_key(&e), "{e}");
        let o: Outer = from_slice(doc).unwrap();
        assert_eq!(o.m.get().unwrap().a, Lenient::Value("first".into()));
        assert_eq!(
            o.l.get().unwrap()[0].get().unwrap().a,
            Lenient::Value("x".into())
        );
        let i: Inner = from_slice(br#"{"a":"\u0041","\u0061":"B","b":1,"b":2}"#).unwrap();
        assert_eq!(i.a, Lenient::Value("A".into()));
        // The tolerant path is left off after the retry, even when it fails.
        assert!(!SKIP_REPEATED_KEYS.get());
        assert!(from_slice::<Inner>(br#"{"a":"x","a":1,"#).is_err());
        assert!(!SKIP_REPEATED_KEYS.get());
        // Not an object: still an error at the top, `Invalid` below.
        assert!(from_slice::<Inner>(b"[1]").is_err());
        assert!(from_slice::<Inner>(b"null").is_err());
        let e = from_slice::<Inner>(br#"{"a":"x","a":1,"#).unwrap_err();
        assert!(!is_repeated_key(&e), "{e}");
    }

    #[test]
    fn absent_null_and_numeric_coercions() {
        let o: Outer =
            serde_json::from_str(r#"{"s":null,"f":2,"i":4.0,"l":[{"a":1},"x"]}"#).unwrap();
        assert_eq!(o.s, Lenient::Null);
        assert_eq!(o.b, Lenient::Absent);
        assert_eq!(o.f, Lenient::Value(2.0));
        assert_eq!(o.i, Lenient::Value(4));
        let l = o.l.get().unwrap();
        assert!(l[0].get().unwrap().a.is_invalid());
        assert!(l[1].is_invalid());
    }
}
