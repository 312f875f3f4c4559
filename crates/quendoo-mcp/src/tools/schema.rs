//! JSON Schemas for tool inputs and outputs, generated from the Rust types,
//! and validation of arguments against the very schema we advertise: what a
//! client reads in `tools/list` is exactly what we enforce.

use std::sync::Arc;

use rmcp::model::JsonObject;
use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::{Value, value::RawValue};

use super::ToolError;

/// At most this many problems are reported for one call: enough for a model
/// to fix its arguments in one go, short enough to read.
const MAX_REPORTED_PROBLEMS: usize = 5;

/// A draft 2020-12 schema with every subschema inlined (no `$defs`/`$ref`),
/// which is what models and simple clients read best. MCP wants an object.
/// An `Option` field is an optional property of its own type, not a
/// `["string", "null"]` union, which some model providers reject.
pub fn schema_for<T: JsonSchema>() -> Arc<JsonObject> {
    let mut settings = SchemaSettings::draft2020_12();
    settings.inline_subschemas = true;
    let schema = settings.into_generator().into_root_schema_for::<T>();
    let mut schema = schema.to_value();
    optional_without_null(&mut schema);
    let mut object = match schema {
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

/// schemars gives an `Option` field `"type": [T, "null"]` (or an `anyOf`
/// with `{"type": "null"}`); a property that is not required needs no null:
/// leaving it out says the same. Outputs leave out `None` fields to match.
fn optional_without_null(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let required: Vec<String> = object
                .get("required")
                .and_then(Value::as_array)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(|n| n.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(Value::Object(properties)) = object.get_mut("properties") {
                for (name, property) in properties.iter_mut() {
                    if !required.contains(name) {
                        drop_null(property);
                    }
                }
            }
            object.values_mut().for_each(optional_without_null);
        }
        Value::Array(items) => items.iter_mut().for_each(optional_without_null),
        _ => {}
    }
}

/// Removes `null` from one property's schema.
fn drop_null(property: &mut Value) {
    let Value::Object(object) = property else {
        return;
    };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            object.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = object.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    if let Some(Value::Array(branches)) = object.get_mut("anyOf") {
        branches.retain(|b| b.get("type").is_none_or(|t| t != "null"));
        if let [Value::Object(only)] = branches.as_slice() {
            let only = only.clone();
            object.remove("anyOf");
            for (key, value) in only {
                object.entry(key).or_insert(value);
            }
        }
    }
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

/// The schema of a PMS payload passed on unchanged: Quendoo sends an object
/// or a list under `data`.
pub fn object_or_array(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"anyOf": [{"type": "object"}, {"type": "array"}]})
}

/// `data` if it fits [`object_or_array`].
pub fn checked_object_or_array(data: Box<RawValue>) -> Result<Box<RawValue>, ToolError> {
    // A raw value starts at its first token.
    if data.get().starts_with(['{', '[']) {
        Ok(data)
    } else {
        Err(ToolError::UnexpectedResponse(
            "an object or a list under `data`",
        ))
    }
}

/// The schema of a list of PMS records, each an object passed on unchanged.
pub fn array_of_objects(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "array", "items": {"type": "object"}})
}

/// Checks arguments against a tool's input schema.
pub struct ArgumentValidator {
    schema: Value,
    validator: jsonschema::Validator,
}

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
        Self { schema, validator }
    }

    /// Drops `null` optional properties (models often send `"field": null`
    /// for "not given"), then checks: `Ok` or one sentence per problem, each
    /// naming the field.
    pub fn check(&self, arguments: &mut Value) -> Result<(), String> {
        drop_null_options(&self.schema, arguments);
        let problems: Vec<String> = self
            .validator
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

/// Removes the properties of `value` that are `null` where `schema` declares
/// them optional, at every depth the schema describes; free-form maps (no
/// declared properties) are left as given.
fn drop_null_options(schema: &Value, value: &mut Value) {
    match value {
        Value::Object(fields) => {
            let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            let required = |name: &str| {
                schema
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|names| names.iter().any(|n| n == name))
            };
            fields.retain(|name, field| {
                !(field.is_null() && properties.contains_key(name) && !required(name))
            });
            for (name, field) in fields.iter_mut() {
                if let Some(property) = properties.get(name) {
                    drop_null_options(property, field);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                items.iter_mut().for_each(|v| drop_null_options(item, v));
            }
        }
        _ => {}
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
    use serde_json::json;

    #[test]
    fn null_means_absent_for_declared_optional_properties_only() {
        let schema = json!({
            "type": "object",
            "required": ["must"],
            "properties": {
                "must": {"type": "string"},
                "maybe": {"type": "string"},
                "items": {"type": "array", "items": {
                    "type": "object", "properties": {"code": {"type": "string"}}}},
                "free": {"type": "object"}
            }
        });
        let mut value = json!({
            "must": null, "maybe": null, "unknown": null,
            "items": [{"code": null}], "free": {"x": null}
        });
        drop_null_options(&schema, &mut value);
        assert_eq!(
            value,
            json!({"must": null, "unknown": null, "items": [{}], "free": {"x": null}})
        );
    }

    #[test]
    fn json_pointers_become_readable_field_names() {
        assert_eq!(field_name(""), "arguments");
        assert_eq!(field_name("/date_from"), "date_from");
        assert_eq!(field_name("/guests/0/adults"), "guests[0].adults");
        assert_eq!(field_name("/values/12/date"), "values[12].date");
    }
}
