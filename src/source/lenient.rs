//! Tolerant decoding of raw API values.
//!
//! The APIs change under us: a field that was a string becomes a number, an object becomes an array.
//! Every field of the raw models is a [`Lenient`], which records *what* arrived — absent, null, a value
//! of the expected shape, or something else — instead of failing the whole page. The invariant:
//! decoding a syntactically valid JSON document never fails because of a field's type; the
//! normalizer turns `Invalid` into null and counts it in the run's warning tally.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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

/// Declares that a `Deserialize` struct is decoded from a JSON object.
#[macro_export]
macro_rules! lenient_map {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::source::lenient::Shaped for $t {
            const SHAPE: $crate::source::lenient::Shape = $crate::source::lenient::Shape::Map;
        })*
    };
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
    #[serde(default)]
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
