//! The result budget: how much one tool result may hold, so that a long range
//! or a big hotel never floods a model's context. Sizes are those of the
//! structured result as compact JSON, at about 4 bytes per token.

use std::{fmt, io, str::FromStr, sync::OnceLock};

use schemars::JsonSchema;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value, value::RawValue};

use super::ToolError;

/// The approximation every size here uses: one token per 4 bytes of JSON.
pub const BYTES_PER_TOKEN: usize = 4;

/// The most tokens one tool result may take (`RESULT_BUDGET`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResultBudget {
    tokens: usize,
}

impl ResultBudget {
    pub const DEFAULT: ResultBudget = ResultBudget { tokens: 25_000 };
    /// Below this, a single booking or room type might not fit at all.
    pub const MIN_TOKENS: usize = 500;

    pub fn tokens(self) -> usize {
        self.tokens
    }

    pub fn bytes(self) -> usize {
        self.tokens.saturating_mul(BYTES_PER_TOKEN)
    }

    /// The largest `build(n)` that fits, where `build(n)` is the result
    /// holding the first `n` of `items` (and, for `n < items.len()`, a note of
    /// what it left out). Each item is measured once; the result is then
    /// checked whole, so the answer fits exactly, not about.
    pub fn fit<T: Serialize, R: Serialize>(
        self,
        items: &[T],
        build: impl Fn(usize) -> R,
    ) -> Result<R, ToolError> {
        let limit = self.bytes();
        let empty = build(0);
        if items.is_empty() {
            return Ok(empty);
        }
        // The envelope (with its note) plus each item and its comma.
        let mut used = json_size(&empty);
        let mut count: usize = 0;
        for item in items {
            used = used.saturating_add(json_size(item) + 1);
            if used > limit + 1 {
                break;
            }
            count += 1;
        }
        // The estimate is off by the few bytes the note's numbers change by:
        // step down until the whole fits, or up while one more does. The
        // last build found to fit is the answer (built once, not again).
        let fitting = |count| Some(build(count)).filter(|built| json_size(built) <= limit);
        let mut kept = fitting(count);
        if kept.is_some() {
            while count < items.len() {
                let Some(built) = fitting(count + 1) else {
                    break;
                };
                count += 1;
                kept = Some(built);
            }
        } else {
            while kept.is_none() && count > 1 {
                count -= 1;
                kept = fitting(count);
            }
        }
        // Not even one item fits: an empty page would only send the caller
        // round in circles.
        match kept {
            Some(built) if count > 0 => Ok(built),
            _ => Err(self.exceeded(json_size(&build(1)))),
        }
    }

    /// A PMS payload cut to fit: a list keeps its first items, an object of
    /// sections its first sections; `build` gets what is kept and, when
    /// something was cut, what was left out. `build` holds what it is given
    /// once, as it is. A payload that fits whole is passed on as Quendoo
    /// wrote it, never built (a pretty-printed one is written compact
    /// first); one that does not is built, then cut.
    pub fn fit_payload<R: Serialize>(
        self,
        data: Box<RawValue>,
        build: impl Fn(Payload, Option<LeftOut<'_>>) -> R,
    ) -> Result<R, ToolError> {
        let envelope = json_size(&build(Payload::default(), None)).saturating_sub("null".len());
        let data = compact(data)?;
        if envelope.saturating_add(data.get().len()) <= self.bytes() {
            return Ok(build(Payload::Json(data), None));
        }
        match built(&data)? {
            Value::Array(items) => self.fit(&items, |n| {
                let left = (n < items.len()).then(|| LeftOut::Items(&items[n..]));
                build(Value::Array(items[..n].to_vec()).into(), left)
            }),
            Value::Object(sections) => {
                let sections: Vec<(String, Value)> = sections.into_iter().collect();
                self.fit(&sections, |n| {
                    let kept: Map<String, Value> = sections[..n].iter().cloned().collect();
                    let left = (n < sections.len()).then(|| LeftOut::Sections(&sections[n..]));
                    build(Value::Object(kept).into(), left)
                })
            }
            other => Ok(build(other.into(), None)),
        }
    }

    /// The last guard: the result if it fits, else a refusal saying how
    /// large it was and how to ask for less (never the result whole).
    pub fn guard(self, result: Structured) -> Result<Structured, ToolError> {
        let bytes = result.json().len();
        if bytes <= self.bytes() {
            Ok(result)
        } else {
            Err(self.exceeded(bytes))
        }
    }

    fn exceeded(self, bytes: usize) -> ToolError {
        ToolError::OverBudget {
            bytes,
            budget_tokens: self.tokens,
        }
    }
}

impl Default for ResultBudget {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl FromStr for ResultBudget {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let tokens: usize = text
            .trim()
            .parse()
            .map_err(|_| "expected a whole number of tokens, e.g. 25000".to_owned())?;
        if tokens < Self::MIN_TOKENS {
            return Err(format!(
                "must be at least {} tokens, or a single booking may not fit",
                Self::MIN_TOKENS
            ));
        }
        Ok(ResultBudget { tokens })
    }
}

impl fmt::Display for ResultBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.tokens)
    }
}

/// A tool's structured result and its compact JSON, serialized once: the
/// guard measures it, and the transports send it as the result's text. A
/// result known by its JSON makes its value only when a transport asks for
/// it (REST sends the JSON alone), at most once.
#[derive(Debug, Clone)]
pub struct Structured {
    json: Box<RawValue>,
    value: OnceLock<Value>,
}

impl Structured {
    pub fn new(value: Value) -> Self {
        // A `Value` always serializes (its keys are strings).
        let json =
            serde_json::value::to_raw_value(&value).unwrap_or_else(|_| RawValue::NULL.to_owned());
        Self {
            json,
            value: value.into(),
        }
    }

    /// A result known by its JSON alone.
    pub fn from_json(json: Box<RawValue>) -> Self {
        Self {
            json,
            value: OnceLock::new(),
        }
    }

    pub fn json(&self) -> &str {
        self.json.get()
    }

    /// The JSON, for an answer that holds it as it is (no value made).
    pub fn raw(&self) -> &RawValue {
        &self.json
    }

    /// The value, made from the JSON if it was not made with it. That
    /// fails only for a PMS payload nested deeper than serde_json builds
    /// (128 levels), which a payload passed on unbuilt is not checked for.
    pub fn value(&self) -> Result<&Value, ToolError> {
        if let Some(value) = self.value.get() {
            return Ok(value);
        }
        let value = parsed(self.json())?;
        Ok(self.value.get_or_init(|| value))
    }

    /// The value (as [`Structured::value`]) and the JSON.
    pub fn into_parts(self) -> Result<(Value, String), ToolError> {
        let value = match self.value.into_inner() {
            Some(value) => value,
            None => parsed(self.json.get())?,
        };
        Ok((value, Box::<str>::from(self.json).into()))
    }
}

fn parsed(json: &str) -> Result<Value, ToolError> {
    serde_json::from_str(json)
        .map_err(|_| ToolError::UnexpectedResponse("JSON nested at most 128 levels deep"))
}

/// A PMS payload as a tool's output holds it: as Quendoo wrote it, when
/// [`ResultBudget::fit_payload`] found it fits whole, else as a value (what
/// the budget kept of it).
#[derive(Debug)]
pub enum Payload {
    Json(Box<RawValue>),
    Value(Value),
}

impl Default for Payload {
    fn default() -> Self {
        Payload::Value(Value::Null)
    }
}

impl From<Value> for Payload {
    fn from(value: Value) -> Self {
        Payload::Value(value)
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Payload::Json(json) => json.serialize(serializer),
            Payload::Value(value) => value.serialize(serializer),
        }
    }
}

/// `data` without line breaks between its tokens: a pretty-printed answer
/// would spend the budget, and a model's tokens, on its indentation. (A
/// line break cannot be inside a JSON string, only escaped.)
fn compact(data: Box<RawValue>) -> Result<Box<RawValue>, ToolError> {
    if !data.get().contains('\n') {
        return Ok(data);
    }
    serde_json::value::to_raw_value(&built(&data)?)
        .map_err(|error| ToolError::Internal(error.into()))
}

/// A payload's value.
fn built(data: &RawValue) -> Result<Value, ToolError> {
    serde_json::from_str(data.get()).map_err(|error| ToolError::Internal(error.into()))
}

/// What [`ResultBudget::fit_payload`] left out of a PMS payload.
pub enum LeftOut<'a> {
    Items(&'a [Value]),
    Sections(&'a [(String, Value)]),
}

impl LeftOut<'_> {
    pub fn count(&self) -> usize {
        match self {
            LeftOut::Items(items) => items.len(),
            LeftOut::Sections(sections) => sections.len(),
        }
    }
}

// Said in a result the budget cut short (plain comments: the listing's
// descriptions say it once, at the `cut` field).
#[derive(Debug, PartialEq, Serialize, JsonSchema)]
pub struct Cut {
    // How many items were left out.
    pub omitted: usize,
    // How to ask for them.
    pub ask_next: String,
}

/// The size of `value` as compact JSON, counted without building it.
pub fn json_size<T: Serialize + ?Sized>(value: &T) -> usize {
    let mut counter = ByteCounter(0);
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        // Unserializable: it cannot be sent either, so it fits nowhere.
        Err(_) => usize::MAX,
    }
}

struct ByteCounter(usize);

impl io::Write for ByteCounter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::schema;
    use serde_json::json;

    fn budget(tokens: usize) -> ResultBudget {
        ResultBudget { tokens }
    }

    #[derive(Debug, Serialize)]
    struct Page {
        items: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cut: Option<Cut>,
    }

    fn page_of(items: &[String], n: usize) -> Page {
        Page {
            items: items[..n].to_vec(),
            cut: (n < items.len()).then(|| Cut {
                omitted: items.len() - n,
                ask_next: "ask for the rest".into(),
            }),
        }
    }

    #[test]
    fn sizes_are_compact_json_bytes() {
        assert_eq!(json_size(&json!({"a": [1, 2]})), r#"{"a":[1,2]}"#.len());
        assert_eq!(ResultBudget::DEFAULT.bytes(), 100_000);
    }

    #[test]
    fn fit_keeps_the_most_leading_items_that_fit_with_the_note() {
        let items: Vec<String> = (0..100).map(|i| format!("item number {i:03}")).collect();
        for tokens in [30, 50, 137, 400] {
            let limit = budget(tokens).bytes();
            let page = budget(tokens).fit(&items, |n| page_of(&items, n)).unwrap();
            let n = page.items.len();
            assert!(json_size(&page) <= limit, "{tokens}");
            assert!(n < items.len());
            assert_eq!(page.cut.as_ref().unwrap().omitted, items.len() - n);
            assert_eq!(page.items, items[..n]);
            // One more item would not have fitted.
            assert!(json_size(&page_of(&items, n + 1)) > limit, "{tokens}: {n}");
        }
    }

    #[test]
    fn fit_steps_down_when_the_envelope_grows_with_what_it_keeps() {
        // Each kept item costs a byte more than its own size: the estimate
        // is too hopeful, and the answer is found by stepping down.
        let items: Vec<String> = (0..100).map(|i| format!("item number {i:03}")).collect();
        let build = |n: usize| json!({"items": &items[..n], "pad": "x".repeat(n)});
        for tokens in [30, 50, 137, 400] {
            let limit = budget(tokens).bytes();
            let page = budget(tokens).fit(&items, build).unwrap();
            let n = page["items"].as_array().unwrap().len();
            assert!(json_size(&page) <= limit, "{tokens}");
            assert_eq!(page, build(n));
            assert!(json_size(&build(n + 1)) > limit, "{tokens}: {n}");
        }
    }

    #[test]
    fn what_fits_is_sent_whole_and_nothing_fitting_is_refused() {
        let items: Vec<String> = (0..5).map(|i| i.to_string()).collect();
        let page = budget(100).fit(&items, |n| page_of(&items, n)).unwrap();
        assert_eq!((page.items.len(), page.cut), (5, None));
        let empty: Vec<String> = Vec::new();
        assert!(budget(1).fit(&empty, |n| page_of(&empty, n)).is_ok());

        let huge = vec!["x".repeat(1000)];
        let error = budget(100).fit(&huge, |n| page_of(&huge, n)).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("100 tokens") && text.contains("Ask for less"),
            "{text}"
        );
    }

    fn raw(value: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(value).unwrap()
    }

    fn kept_value(payload: Payload) -> Value {
        match payload {
            Payload::Value(value) => value,
            Payload::Json(json) => panic!("not cut: {json}"),
        }
    }

    #[test]
    fn payloads_are_cut_by_items_or_by_sections() {
        let list = json!(["a".repeat(30), "b".repeat(30), "c".repeat(30)]);
        let (kept, left) = budget(20)
            .fit_payload(raw(&list), |kept, left| (kept, left.map(|l| l.count())))
            .unwrap();
        assert_eq!(kept_value(kept).as_array().unwrap().len(), 2);
        assert_eq!(left, Some(1));

        let sections = json!({"rooms": "r".repeat(40), "rates": "t".repeat(40)});
        let (kept, left) = budget(20)
            .fit_payload(raw(&sections), |kept, left| {
                let names = match left {
                    Some(LeftOut::Sections(s)) => s.iter().map(|(k, _)| k.clone()).collect(),
                    _ => Vec::new(),
                };
                (kept, names)
            })
            .unwrap();
        assert_eq!(kept_value(kept).as_object().unwrap().len(), 1);
        assert_eq!(left.len(), 1);
    }

    #[test]
    fn a_payload_that_fits_whole_is_kept_whole_to_the_byte() {
        let wrap = |data: Payload, left: Option<LeftOut<'_>>| json!({"data": data, "omitted": left.map(|l| l.count())});
        // The last item padded until the whole is a whole number of tokens.
        let payload = (0..BYTES_PER_TOKEN)
            .map(|pad| json!(["a".repeat(30), "b".repeat(30), "c".repeat(30 + pad)]))
            .find(|payload| json_size(&wrap(payload.clone().into(), None)) % BYTES_PER_TOKEN == 0)
            .unwrap();
        let tokens = json_size(&wrap(payload.clone().into(), None)) / BYTES_PER_TOKEN;
        let whole = budget(tokens).fit_payload(raw(&payload), wrap).unwrap();
        assert_eq!(whole, wrap(payload.clone().into(), None));
        // Handed over as it came, unbuilt.
        let kept = budget(tokens)
            .fit_payload(raw(&payload), |kept, _| kept)
            .unwrap();
        let compact = payload.to_string();
        assert!(matches!(&kept, Payload::Json(json) if json.get() == compact));
        // A token less and the last item is cut.
        let cut = budget(tokens - 1).fit_payload(raw(&payload), wrap).unwrap();
        assert_eq!(cut["omitted"], 1);
    }

    #[test]
    fn a_payload_is_passed_on_as_written_unless_pretty_printed() {
        let keep = |json: &str| {
            let data = RawValue::from_string(json.to_owned()).unwrap();
            match budget(100).fit_payload(data, |kept, _| kept).unwrap() {
                Payload::Json(json) => json.get().to_owned(),
                Payload::Value(value) => panic!("cut: {value}"),
            }
        };
        // Quendoo's key order and spacing, as they came.
        assert_eq!(keep(r#"{"z": 1,"a":[2, 3]}"#), r#"{"z": 1,"a":[2, 3]}"#);
        // Line breaks and indentation are not worth a model's tokens.
        assert_eq!(
            keep("{\n  \"z\": 1,\n  \"a\": \"x y\"\n}"),
            r#"{"a":"x y","z":1}"#
        );
        // One that is not an object or a list is not a PMS payload.
        for other in ["1", "\"text\"", "null"] {
            let data = RawValue::from_string(other.to_owned()).unwrap();
            assert!(schema::checked_object_or_array(data).is_err(), "{other}");
        }
    }

    #[test]
    fn the_guard_passes_what_fits_and_refuses_the_rest_with_its_size() {
        let small = json!({"a": 1});
        let passed = budget(10).guard(Structured::new(small.clone())).unwrap();
        assert_eq!(passed.json(), r#"{"a":1}"#);
        assert_eq!(passed.into_parts().unwrap().0, small);
        let big = json!({"a": "x".repeat(100)});
        let text = budget(10)
            .guard(Structured::new(big))
            .unwrap_err()
            .to_string();
        assert!(text.contains("108 bytes"), "{text}");
    }

    #[test]
    fn a_result_known_by_its_json_makes_its_value_once_asked() {
        let json = RawValue::from_string(r#"{"data":[1,{"b":2}]}"#.into()).unwrap();
        let result = Structured::from_json(json);
        assert_eq!(result.value().unwrap(), &json!({"data": [1, {"b": 2}]}));
        assert_eq!(
            result.into_parts().unwrap().0,
            json!({"data": [1, {"b": 2}]})
        );
        // Passed on unbuilt, a payload too deep to build fits (REST sends
        // it as it is), but a transport that needs its value gets an error.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let data = RawValue::from_string(deep).unwrap();
        let Payload::Json(data) = budget(1000).fit_payload(data, |kept, _| kept).unwrap() else {
            panic!("not passed on whole");
        };
        let json = RawValue::from_string(format!(r#"{{"data":{data}}}"#)).unwrap();
        let result = Structured::from_json(json);
        assert!(matches!(
            result.value(),
            Err(ToolError::UnexpectedResponse(_))
        ));
        assert!(result.into_parts().is_err());
    }

    #[test]
    fn the_setting_parses_tokens_and_refuses_tiny_or_bad_values() {
        assert_eq!("25000".parse::<ResultBudget>(), Ok(ResultBudget::DEFAULT));
        assert_eq!(ResultBudget::DEFAULT.to_string(), "25000");
        assert!("499".parse::<ResultBudget>().unwrap_err().contains("500"));
        assert!("lots".parse::<ResultBudget>().is_err());
    }
}
