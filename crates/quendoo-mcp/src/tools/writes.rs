//! What every write answers: done, or not yet (a preview of what it would
//! change, and a code to confirm it with), or declined by the person asked.
//! The executor decides which; the tools only say what they would change
//! (`Preview`) and how to do it.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::whole_seconds;

/// The argument that carries a confirmation code back with a write.
pub const CONFIRMATION_ARGUMENT: &str = "confirmation";

/// What a write would change, computed from the hotel's current PMS state:
/// words a receptionist reads at a glance, and the same as data.
#[derive(Debug, Clone)]
pub struct Preview {
    /// One line per change. Never holds a guest's own words (names, notes):
    /// those go in `changes`.
    pub summary: String,
    pub changes: Value,
}

// Variants without doc comments: their schema stays a short string enum,
// described once on the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WriteStatus {
    Done,
    ConfirmationRequired,
    Declined,
}

/// The result of every write.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WriteAnswer {
    /// `done`; `confirmation_required`: nothing done yet; `declined`: the
    /// person said no, nothing done.
    pub status: WriteStatus,
    /// What the call will do, for the person to read.
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<String>,
    /// The same as data, with the current values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::schema::object_or_array")]
    changes: Option<Value>,
    /// Send back as `confirmation`, with the same arguments, once the person agrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    confirmation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_in_s: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_step: Option<String>,
    /// Quendoo's answer, when done.
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<Map<String, Value>>,
}

impl WriteAnswer {
    /// The write has happened whatever the answer's shape, so an answer that
    /// is not an object is wrapped, never turned into an error.
    pub fn done(response: Value) -> Self {
        let response = match response {
            Value::Object(fields) => fields,
            other => Map::from_iter([("value".to_owned(), other)]),
        };
        WriteAnswer {
            response: Some(response),
            ..Self::empty(WriteStatus::Done)
        }
    }

    /// Not done yet: the preview and the code that confirms it.
    pub fn awaiting(tool: &str, preview: Preview, code: String, expires_in: Duration) -> Self {
        let minutes = whole_seconds(expires_in).div_ceil(60);
        WriteAnswer {
            preview: Some(preview.summary),
            changes: Some(preview.changes),
            confirmation: Some(code),
            expires_in_s: Some(whole_seconds(expires_in)),
            next_step: Some(format!(
                "Nothing was changed yet. Show the preview to the person and ask them; only if \
                 they agree, call {tool} again with the same arguments and `confirmation` set to \
                 the code (good for {minutes} min). Never confirm on their behalf."
            )),
            ..Self::empty(WriteStatus::ConfirmationRequired)
        }
    }

    /// The person was asked and said no (or dismissed the question).
    pub fn declined(tool: &str) -> Self {
        WriteAnswer {
            next_step: Some(format!(
                "The person declined: nothing was changed and {tool} was not run. Ask them what \
                 they want instead."
            )),
            ..Self::empty(WriteStatus::Declined)
        }
    }

    fn empty(status: WriteStatus) -> Self {
        WriteAnswer {
            status,
            preview: None,
            changes: None,
            confirmation: None,
            expires_in_s: None,
            next_step: None,
            response: None,
        }
    }
}

/// The schema property a confirmable write takes besides its own arguments.
pub fn confirmation_property() -> Value {
    serde_json::json!({
        "type": "string",
        "minLength": 1,
        "maxLength": 1024,
        "description": "Leave out at first (you get a preview and a code); then the code, \
            once the person agreed."
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_preview_answer_says_nothing_was_done_and_how_to_confirm() {
        let preview = Preview {
            summary: "Double, 20-22 Dec 2026: 3 free -> 0 free".into(),
            changes: json!([{"room_id": 1}]),
        };
        let answer = WriteAnswer::awaiting(
            "update_availability",
            preview,
            "code".into(),
            Duration::from_secs(300),
        );
        let value = serde_json::to_value(&answer).unwrap();
        assert_eq!(value["status"], "confirmation_required");
        assert_eq!(value["confirmation"], "code");
        assert_eq!(value["expires_in_s"], 300);
        assert!(value.get("response").is_none());
        let next = value["next_step"].as_str().unwrap();
        assert!(
            next.contains("Nothing was changed") && next.contains("5 min"),
            "{next}"
        );

        let done = serde_json::to_value(WriteAnswer::done(json!(204))).unwrap();
        assert_eq!(done, json!({"status": "done", "response": {"value": 204}}));
    }
}
