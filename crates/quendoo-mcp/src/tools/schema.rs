//! JSON Schemas for tool inputs and outputs, generated from the Rust types,
//! and validation of arguments against the very schema we advertise: what a
//! client reads in `tools/list` is exactly what we enforce.

use std::sync::Arc;

use rmcp::model::JsonObject;
use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::Value;

/// At most this many problems are reported for one call: enough for a model
/// to fix its arguments in one go, short enough to read.
const MAX_REPORTED_PROBLEMS: usize = 5;

/// A draft 2020-12 schema with every subschema inlined (no `$defs`/`$ref`),
/// which is what models and simple clients read best. MCP wants an object.
pub fn schema_for<T: JsonSchema>() -> Arc<JsonObject> {
    let mut settings = SchemaSettings::draft2020_12();
    settings.inline_subschemas = true;
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut object = match schema.to_value() {
        Value::Object(object) => object,
        // `true` (anything): describe it as an open object.
        _ => JsonObject::new(),
    };
    object.remove("$schema");
    object.remove("title");
    object.insert("type".into(), Value::String("object".into()));
    object.values_mut().for_each(drop_rust_number_formats);
    Arc::new(object)
}

/// schemars names Rust's integer widths (`uint32`, `int64`, ...) as formats,
/// which JSON Schema does not define and validators warn about; the ranges
/// that matter are stated with minimum/maximum instead.
fn drop_rust_number_formats(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let rust_number = object
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| {
                    f.starts_with("int") || f.starts_with("uint") || f == "float" || f == "double"
                });
            if rust_number {
                object.remove("format");
            }
            object.values_mut().for_each(drop_rust_number_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_rust_number_formats),
        _ => {}
    }
}

/// Checks arguments against a tool's input schema.
pub struct ArgumentValidator(jsonschema::Validator);

impl ArgumentValidator {
    pub fn new(schema: &JsonObject) -> Self {
        let schema = Value::Object(schema.clone());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            // Our schemas come from our own types: a failure is a bug found
            // by the catalogue tests, never something an input can cause.
            .unwrap_or_else(|error| panic!("tool schema does not compile: {error}"));
        Self(validator)
    }

    /// `Ok` or one sentence per problem, each naming the field.
    pub fn check(&self, arguments: &Value) -> Result<(), String> {
        let problems: Vec<String> = self
            .0
            .iter_errors(arguments)
            .take(MAX_REPORTED_PROBLEMS)
            .map(|error| {
                let path = error.instance_path().to_string();
                let field = field_name(&path);
                format!("{field}: {error}")
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

/// `/guests/0/adults` -> `guests[0].adults`; the root is "arguments".
fn field_name(pointer: &str) -> String {
    let mut out = String::new();
    for segment in pointer.split('/').filter(|s| !s.is_empty()) {
        if segment.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    if out.is_empty() {
        "arguments".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pointers_become_readable_field_names() {
        assert_eq!(field_name(""), "arguments");
        assert_eq!(field_name("/date_from"), "date_from");
        assert_eq!(field_name("/guests/0/adults"), "guests[0].adults");
        assert_eq!(field_name("/values/12/date"), "values[12].date");
    }
}
