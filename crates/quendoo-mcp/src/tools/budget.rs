//! The result budget: how much one tool result may hold, so that a long range
//! or a big hotel never floods a model's context. Sizes are those of the
//! structured result as compact JSON, at about 4 bytes per token.

use std::{fmt, io, str::FromStr};

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
    /// once, as it is. A payload is measured by serializing it: one that
    /// fits whole is handed over with that JSON, so it is serialized once
    /// (the guard after the tool still checks the whole); one that does not
    /// costs that JSON's memory until it is cut.
    pub fn fit_payload<R: Serialize>(
        self,
        data: Value,
        build: impl Fn(Payload, Option<LeftOut<'_>>) -> R,
    ) -> Result<R, ToolError> {
        let envelope = json_size(&build(Payload::default(), None)).saturating_sub("null".len());
        if let Ok(json) = serde_json::value::to_raw_value(&data)
            && envelope.saturating_add(json.get().len()) <= self.bytes()
        {
            return Ok(build(
                Payload {
                    value: data,
                    json: Some(json),
                },
                None,
            ));
        }
        match data {
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
        if result.json.len() <= self.bytes() {
            Ok(result)
        } else {
            Err(self.exceeded(result.json.len()))
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
/// guard measures it, and the transports send it as the result's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Structured {
    pub value: Value,
    pub json: String,
}

impl Structured {
    pub fn new(value: Value) -> Self {
        let json = json_text(&value);
        Self { value, json }
    }
}

/// `value` as compact JSON, written as bytes: `Value`'s `Display` (its
/// `to_string`) goes through `fmt::Write`, a call per token (a
/// `get_rooms_details` on `/mcp` took 4% more instructions that way). A
/// `Value` always serializes (its keys are strings).
pub fn json_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A PMS payload as a tool's output holds it: its value and, when
/// [`ResultBudget::fit_payload`] found it fits whole, the compact JSON it
/// measured it by, which serializing the output writes as it is.
#[derive(Debug, Default)]
pub struct Payload {
    value: Value,
    json: Option<Box<RawValue>>,
}

impl Payload {
    /// The value, moved out; what is left serializes as `null`.
    pub fn take(&mut self) -> Value {
        self.json = None;
        std::mem::take(&mut self.value)
    }
}

impl From<Value> for Payload {
    fn from(value: Value) -> Self {
        Payload { value, json: None }
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.json {
            Some(json) => json.serialize(serializer),
            None => self.value.serialize(serializer),
        }
    }
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

    #[test]
    fn payloads_are_cut_by_items_or_by_sections() {
        let list = json!(["a".repeat(30), "b".repeat(30), "c".repeat(30)]);
        let (kept, left) = budget(20)
            .fit_payload(list, |kept, left| (kept, left.map(|l| l.count())))
            .unwrap();
        assert_eq!((kept.value.as_array().unwrap().len(), left), (2, Some(1)));

        let sections = json!({"rooms": "r".repeat(40), "rates": "t".repeat(40)});
        let (kept, left) = budget(20)
            .fit_payload(sections, |kept, left| {
                let names = match left {
                    Some(LeftOut::Sections(s)) => s.iter().map(|(k, _)| k.clone()).collect(),
                    _ => Vec::new(),
                };
                (kept, names)
            })
            .unwrap();
        assert_eq!(kept.value.as_object().unwrap().len(), 1);
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
        let whole = budget(tokens).fit_payload(payload.clone(), wrap).unwrap();
        assert_eq!(whole, wrap(payload.clone().into(), None));
        // Handed over with the JSON it was measured by, written as it is.
        let kept = budget(tokens)
            .fit_payload(payload.clone(), |kept, _| kept)
            .unwrap();
        let measured = kept.json.as_deref().map(RawValue::get);
        assert_eq!(measured, Some(json_text(&payload).as_str()));
        // A token less and the last item is cut.
        let cut = budget(tokens - 1)
            .fit_payload(payload.clone(), wrap)
            .unwrap();
        assert_eq!(cut["omitted"], 1);
        // What was cut has no JSON yet: it is made with the result's.
        let under = budget((json_size(&payload) - 1) / BYTES_PER_TOKEN);
        let kept = under.fit_payload(payload, |kept, _| kept).unwrap();
        assert!(kept.json.is_none());
    }

    #[test]
    fn the_guard_passes_what_fits_and_refuses_the_rest_with_its_size() {
        let small = json!({"a": 1});
        let passed = budget(10).guard(Structured::new(small.clone())).unwrap();
        assert_eq!((passed.value, passed.json.as_str()), (small, r#"{"a":1}"#));
        let big = json!({"a": "x".repeat(100)});
        let text = budget(10)
            .guard(Structured::new(big))
            .unwrap_err()
            .to_string();
        assert!(text.contains("108 bytes"), "{text}");
    }

    #[test]
    fn the_setting_parses_tokens_and_refuses_tiny_or_bad_values() {
        assert_eq!("25000".parse::<ResultBudget>(), Ok(ResultBudget::DEFAULT));
        assert_eq!(ResultBudget::DEFAULT.to_string(), "25000");
        assert!("499".parse::<ResultBudget>().unwrap_err().contains("500"));
        assert!("lots".parse::<ResultBudget>().is_err());
    }
}
