//! The normalized offer: the product's contract with its users.
//!
//! One declaration below defines, in schema order, the Rust struct, the column table (names and
//! types, as in `docs/schema.md`), the CSV encoding of a row and its strict decoding. The invariant:
//! the struct, the CSV header, the Parquet schema and the docs can never disagree on a column's name,
//! position or type, because they are all generated from this one list.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

/// The type of a column, as an Arrow/Parquet type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// utf8, never null.
    Text,
    /// utf8, nullable.
    Str,
    /// float64.
    F64,
    /// int32.
    I32,
    /// bool.
    Bool,
    /// timestamp (milliseconds, UTC).
    Ts,
    /// list<utf8>.
    List,
}

impl Kind {
    /// The type as written in `docs/schema.md`.
    pub fn schema_name(self) -> &'static str {
        match self {
            Kind::Text => "utf8, not null",
            Kind::Str => "utf8",
            Kind::F64 => "float64",
            Kind::I32 => "int32",
            Kind::Bool => "bool",
            Kind::Ts => "timestamp UTC",
            Kind::List => "list<utf8>",
        }
    }
}

/// One column of the schema.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

/// A borrowed, typed cell of a row, for the sinks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    Str(Option<&'a str>),
    F64(Option<f64>),
    I32(Option<i32>),
    Bool(Option<bool>),
    Ts(Option<DateTime<Utc>>),
    List(Option<&'a [String]>),
}

/// A CSV cell that does not fit its column's type.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    pub column: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown: String = self.value.chars().take(60).collect();
        if shown.len() < self.value.len() {
            shown.push('…');
        }
        write!(
            f,
            "column `{}` holds {:?}, which is not {}",
            self.column, shown, self.expected
        )
    }
}

impl std::error::Error for CellError {}

/// How a Rust field type maps to its column kind and CSV text.
trait CsvField: Sized {
    const KIND: Kind;
    fn cell(&self) -> Cell<'_>;
    fn parse(column: &'static str, s: &str) -> Result<Self, CellError>;
}

fn bad(column: &'static str, s: &str, expected: &'static str) -> CellError {
    CellError {
        column,
        value: s.to_string(),
        expected,
    }
}

impl CsvField for String {
    const KIND: Kind = Kind::Text;
    fn cell(&self) -> Cell<'_> {
        Cell::Text(self)
    }
    fn parse(_: &'static str, s: &str) -> Result<Self, CellError> {
        Ok(s.to_string())
    }
}

impl CsvField for Option<String> {
    const KIND: Kind = Kind::Str;
    fn cell(&self) -> Cell<'_> {
        Cell::Str(self.as_deref())
    }
    fn parse(_: &'static str, s: &str) -> Result<Self, CellError> {
        Ok((!s.is_empty()).then(|| s.to_string()))
    }
}

impl CsvField for Option<f64> {
    const KIND: Kind = Kind::F64;
    fn cell(&self) -> Cell<'_> {
        Cell::F64(*self)
    }
    fn parse(column: &'static str, s: &str) -> Result<Self, CellError> {
        if s.is_empty() {
            return Ok(None);
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(bad(column, s, "a decimal number")),
        }
    }
}

impl CsvField for Option<i32> {
    const KIND: Kind = Kind::I32;
    fn cell(&self) -> Cell<'_> {
        Cell::I32(*self)
    }
    fn parse(column: &'static str, s: &str) -> Result<Self, CellError> {
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<i32>()
            .map(Some)
            .map_err(|_| bad(column, s, "an integer"))
    }
}

impl CsvField for Option<bool> {
    const KIND: Kind = Kind::Bool;
    fn cell(&self) -> Cell<'_> {
        Cell::Bool(*self)
    }
    fn parse(column: &'static str, s: &str) -> Result<Self, CellError> {
        match s {
            "" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(bad(column, s, "`true`, `false` or empty")),
        }
    }
}

impl CsvField for Option<DateTime<Utc>> {
    const KIND: Kind = Kind::Ts;
    fn cell(&self) -> Cell<'_> {
        Cell::Ts(*self)
    }
    fn parse(column: &'static str, s: &str) -> Result<Self, CellError> {
        if s.is_empty() {
            return Ok(None);
        }
        DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.with_timezone(&Utc)))
            .map_err(|_| bad(column, s, "an RFC 3339 timestamp"))
    }
}

impl CsvField for Option<Vec<String>> {
    const KIND: Kind = Kind::List;
    fn cell(&self) -> Cell<'_> {
        Cell::List(self.as_deref())
    }
    fn parse(column: &'static str, s: &str) -> Result<Self, CellError> {
        if s.is_empty() {
            return Ok(None);
        }
        serde_json::from_str::<Vec<String>>(s)
            .map(Some)
            .map_err(|_| bad(column, s, "a JSON array of strings"))
    }
}

macro_rules! offer_schema {
    ($( $(#[doc = $doc:literal])* $field:ident : $ty:ty ),* $(,)?) => {
        /// One offer in the normalized schema (see `docs/schema.md`). Field order is column order.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct NormalizedOffer {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        /// The columns, in order.
        pub const COLUMNS: &[Column] = &[
            $( Column { name: stringify!($field), kind: <$ty as CsvField>::KIND }, )*
        ];

        impl NormalizedOffer {
            /// The row's cells, in column order.
            pub fn cells(&self) -> [Cell<'_>; COLUMN_COUNT] {
                [ $( CsvField::cell(&self.$field), )* ]
            }

            /// Decodes a CSV row written by this tool; the first cell that does not fit its column's
            /// type is named in the error.
            pub fn from_csv_fields<'a, I>(fields: I) -> Result<Self, CellError>
            where
                I: IntoIterator<Item = &'a str>,
            {
                let mut it = fields.into_iter();
                Ok(NormalizedOffer {
                    $( $field: <$ty as CsvField>::parse(stringify!($field), it.next().unwrap_or(""))?, )*
                })
            }
        }
    };
}

offer_schema! {
    id: String,
    source: String,
    title: String,
    description: Option<String>,
    company_name: Option<String>,
    location_name: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    date_created: Option<DateTime<Utc>>,
    date_updated: Option<DateTime<Utc>>,
    contract_type: Option<String>,
    contract_duration: Option<String>,
    working_hours: Option<String>,
    salary_min: Option<f64>,
    salary_max: Option<f64>,
    salary_currency: Option<String>,
    salary_period: Option<String>,
    experience_required: Option<String>,
    category: Option<String>,
    sector: Option<String>,
    application_url: Option<String>,
    source_url: Option<String>,
    skills: Option<Vec<String>>,
    remote_work: Option<bool>,
    is_handicap_accessible: Option<bool>,
    code_rome: Option<String>,
    langues: Option<Vec<String>>,
    date_extraction: Option<DateTime<Utc>>,
    department_code: Option<String>,
    region_name: Option<String>,
    commune_code: Option<String>,
    postal_code: Option<String>,
    contract_duration_months: Option<f64>,
    working_hours_text: Option<String>,
    is_alternance: Option<bool>,
    experience_code: Option<String>,
    experience_months: Option<i32>,
    qualification: Option<String>,
    naf_code: Option<String>,
    company_size: Option<String>,
    positions: Option<i32>,
    appellation: Option<String>,
    origin_partner: Option<String>,
    salary_text: Option<String>,
    salary_comment: Option<String>,
    salary_months: Option<f64>,
    salary_annual_min: Option<f64>,
    salary_annual_max: Option<f64>,
    salary_suspect: Option<bool>,
    salary_predicted: Option<bool>,
    driving_licences: Option<Vec<String>>,
    education_levels: Option<Vec<String>>,
    application_url_source: Option<String>,
    salary_source: Option<String>,
    salary_gross_net: Option<String>,
    salary_annual_period: Option<String>,
    salary_period_inferred: Option<bool>,
    weekly_hours: Option<f64>,
    salary_hours_read: Option<bool>,
    department_source: Option<String>,
    nature_contrat: Option<String>,
    offres_manque_candidats: Option<bool>,
    salary_complements: Option<Vec<String>>,
    deplacement: Option<String>,
    contexte_travail: Option<Vec<String>>,
    duplicate_group: Option<String>,
}

/// Number of columns in the schema.
pub const COLUMN_COUNT: usize = 66;

/// The column names, in order: the CSV header.
pub fn header() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|c| c.name)
}

/// Formats a timestamp as the schema's CSV text: RFC 3339, UTC, milliseconds, `Z`.
pub fn format_ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Cell<'_> {
    /// The cell's CSV text (empty for null). `scratch` is reused to avoid an allocation per number.
    pub fn csv_text<'s>(&'s self, scratch: &'s mut String) -> Cow<'s, str> {
        scratch.clear();
        match *self {
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Str(s) => Cow::Borrowed(s.unwrap_or("")),
            Cell::F64(None)
            | Cell::I32(None)
            | Cell::Bool(None)
            | Cell::Ts(None)
            | Cell::List(None) => Cow::Borrowed(""),
            Cell::F64(Some(v)) => {
                let _ = write!(scratch, "{v}");
                Cow::Borrowed(scratch.as_str())
            }
            Cell::I32(Some(v)) => {
                let _ = write!(scratch, "{v}");
                Cow::Borrowed(scratch.as_str())
            }
            Cell::Bool(Some(v)) => Cow::Borrowed(if v { "true" } else { "false" }),
            Cell::Ts(Some(t)) => {
                push_ts(scratch, &t);
                Cow::Borrowed(scratch.as_str())
            }
            Cell::List(Some(l)) => {
                push_json_list(scratch, l);
                Cow::Borrowed(scratch.as_str())
            }
        }
    }
}

/// Appends `t` as `YYYY-MM-DDTHH:MM:SS.mmmZ` (what [`format_ts`] gives, without chrono's
/// general-purpose formatter: this runs for three columns of every row).
fn push_ts(out: &mut String, t: &DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    if !(0..=9999).contains(&year) {
        out.push_str(&format_ts(t));
        return;
    }
    let ms = t.timestamp_subsec_millis().min(999);
    let mut b = *b"0000-00-00T00:00:00.000Z";
    let put = |b: &mut [u8; 24], at: usize, v: u32, width: usize| {
        let mut v = v;
        for i in (0..width).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(&mut b, 0, year as u32, 4);
    put(&mut b, 5, t.month(), 2);
    put(&mut b, 8, t.day(), 2);
    put(&mut b, 11, t.hour(), 2);
    put(&mut b, 14, t.minute(), 2);
    put(&mut b, 17, t.second().min(59), 2);
    put(&mut b, 20, ms, 3);
    out.push_str(std::str::from_utf8(&b).unwrap_or_default());
}

/// Appends `l` as a JSON array of strings.
fn push_json_list(out: &mut String, l: &[String]) {
    out.push('[');
    for (i, s) in l.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        // Runs that need no escape are copied whole (the escaped bytes are all ASCII, so every
        // cut falls on a character boundary).
        let mut run = 0;
        for (j, b) in s.bytes().enumerate() {
            let escaped = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0C => "\\f",
                b if b < 0x20 => "",
                _ => continue,
            };
            out.push_str(&s[run..j]);
            if escaped.is_empty() {
                let _ = write!(out, "\\u{:04x}", b);
            } else {
                out.push_str(escaped);
            }
            run = j + 1;
        }
        out.push_str(&s[run..]);
        out.push('"');
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_cells_are_the_json_serde_json_writes() {
        let lists: [&[&str]; 4] = [
            &[],
            &["Python", "SQL"],
            &[
                "a \"quoted\" \\ path",
                "line\nbreak\r\tand \u{1}\u{8}\u{c}\u{1f}\u{7f}",
                "é€😀",
            ],
            &["", "\"", "\\\\", "x\u{0}y"],
        ];
        for l in lists {
            let l: Vec<String> = l.iter().map(|s| s.to_string()).collect();
            let mut out = String::new();
            push_json_list(&mut out, &l);
            assert_eq!(out, serde_json::to_string(&l).unwrap());
        }
    }

    #[test]
    fn column_count_matches_declaration() {
        assert_eq!(COLUMNS.len(), COLUMN_COUNT);
        assert_eq!(COLUMNS[0].name, "id");
        assert_eq!(COLUMNS[27].name, "date_extraction");
        assert_eq!(COLUMNS[51].name, "education_levels");
        assert_eq!(COLUMNS[64].name, "contexte_travail");
        assert_eq!(COLUMNS[65].name, "duplicate_group");
    }

    #[test]
    fn csv_round_trip_of_every_kind() {
        let o = NormalizedOffer {
            id: "184TRJB".into(),
            source: "france_travail".into(),
            title: "Data \"engineer\"\nsenior".into(),
            latitude: Some(48.873635),
            positions: Some(2),
            remote_work: Some(false),
            date_created: Some(
                DateTime::parse_from_rfc3339("2024-11-28T14:23:11.470Z")
                    .unwrap()
                    .into(),
            ),
            skills: Some(vec!["SQL".into(), "a \"b\", c".into()]),
            ..Default::default()
        };
        let mut scratch = String::new();
        let texts: Vec<String> = o
            .cells()
            .iter()
            .map(|c| c.csv_text(&mut scratch).into_owned())
            .collect();
        assert_eq!(texts[8], "2024-11-28T14:23:11.470Z");
        assert_eq!(texts[6], "48.873635");
        assert_eq!(texts[22], r#"["SQL","a \"b\", c"]"#);
        let back = NormalizedOffer::from_csv_fields(texts.iter().map(|s| s.as_str())).unwrap();
        assert_eq!(back, o);
    }

    #[test]
    fn fast_formats_agree_with_chrono_and_serde_json() {
        let mut s = String::new();
        for text in [
            "2024-11-28T14:23:11.470Z",
            "0999-01-02T03:04:05.006Z",
            "2026-12-31T23:59:59.999Z",
        ] {
            let t: DateTime<Utc> = DateTime::parse_from_rfc3339(text).unwrap().into();
            s.clear();
            push_ts(&mut s, &t);
            assert_eq!(s, format_ts(&t));
            assert_eq!(s, text);
        }
        let l = vec![
            "a".to_string(),
            "b \"c\" \\ \n\t\u{1}\u{8}\u{c}\u{7f}é€".to_string(),
            String::new(),
        ];
        s.clear();
        push_json_list(&mut s, &l);
        assert_eq!(s, serde_json::to_string(&l).unwrap());
        s.clear();
        push_json_list(&mut s, &[]);
        assert_eq!(s, "[]");
    }

    #[test]
    fn decoding_names_the_first_bad_column() {
        let mut texts = vec![""; COLUMN_COUNT];
        texts[6] = "north";
        let err = NormalizedOffer::from_csv_fields(texts.iter().copied()).unwrap_err();
        assert_eq!(err.column, "latitude");
        assert_eq!(
            err.to_string(),
            "column `latitude` holds \"north\", which is not a decimal number"
        );
    }
}
