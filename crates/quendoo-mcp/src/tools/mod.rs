//! The tool catalogue. Every tool is defined once, as a value (name, title,
//! description, input and output schemas, annotations, the credential it
//! needs, handler), and every transport serves that one definition through
//! the executor.

mod availability;
mod booking_view;
mod bookings;
mod budget;
mod cache;
mod comms;
mod context;
mod cursor;
mod error;
mod occupancy;
mod offers;
mod paging;
mod property;
mod reception;
mod schema;
mod writes;

use crate::auth::Scope;
use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc};

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{
    domain::KeyName,
    policy::{ToolTraits, Toolset},
};
pub use budget::{BYTES_PER_TOKEN, ResultBudget, Structured, json_size};
pub use cache::PmsCaches;
pub use context::ToolContext;
pub use error::{ToolError, whole_seconds};
use schema::{ArgumentValidator, schema_for};
pub use writes::{CONFIRMATION_ARGUMENT, Preview, WriteAnswer};

/// What a tool does to the world, as MCP annotations say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hints {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    /// Reaches people or systems beyond the hotel's own PMS.
    pub open_world: bool,
}

impl Hints {
    const READ: Hints = Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: false,
    };

    const fn write(destructive: bool, idempotent: bool) -> Hints {
        Hints {
            read_only: false,
            destructive,
            idempotent,
            open_world: false,
        }
    }

    const fn reaching_people(self) -> Hints {
        Hints {
            open_world: true,
            ..self
        }
    }
}

/// The fixed facts of a tool, written next to its handler.
struct Spec {
    name: &'static str,
    title: &'static str,
    description: &'static str,
    hints: Hints,
    toolset: Toolset,
    credential: KeyName,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
/// A typed function of the tool's arguments, taking them as JSON.
type Step<T> = Box<dyn Fn(ToolContext, Value) -> BoxFuture<Result<T, ToolError>> + Send + Sync>;

/// One tool, as every transport serves it.
pub struct ToolDef {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub hints: Hints,
    /// The group a hotel's policy switches it on and off with.
    pub toolset: Toolset,
    /// The tenant secret the handler works with.
    pub credential: KeyName,
    pub input_schema: Arc<JsonObject>,
    pub output_schema: Arc<JsonObject>,
    validator: ArgumentValidator,
    handler: Step<Structured>,
    /// For a write: what it would change, shown before it is confirmed.
    preview: Option<Step<Preview>>,
}

impl ToolDef {
    /// Checks arguments against the advertised input schema (a `null`
    /// optional property is taken as absent, and removed).
    pub fn validate(&self, arguments: &mut Value) -> Result<(), ToolError> {
        self.validator
            .check(arguments)
            .map_err(ToolError::InvalidArguments)
    }

    /// Runs the handler on arguments that passed [`ToolDef::validate`]. A
    /// result still over the budget (a tool that does not cut its own) is
    /// refused with its size, never sent whole.
    pub async fn run(
        &self,
        context: ToolContext,
        arguments: Value,
    ) -> Result<Structured, ToolError> {
        let budget = context.budget();
        budget.guard((self.handler)(context, arguments).await?)
    }

    /// What a write would change, on arguments that passed validation;
    /// `None` for a tool that only reads.
    pub async fn preview(
        &self,
        context: ToolContext,
        arguments: Value,
    ) -> Option<Result<Preview, ToolError>> {
        Some(self.preview.as_ref()?(context, arguments).await)
    }

    /// Whether it is a write that can be previewed and confirmed.
    pub fn is_confirmable(&self) -> bool {
        self.preview.is_some()
    }

    /// What a hotel's policy looks at.
    pub fn traits(&self) -> ToolTraits {
        ToolTraits {
            toolset: self.toolset,
            writes: !self.hints.read_only,
            reaches_people: self.hints.open_world,
        }
    }

    /// The OAuth scope a caller needs to run it.
    pub fn scope(&self) -> Scope {
        if self.hints.open_world {
            Scope::Comms
        } else if self.hints.read_only {
            Scope::Read
        } else {
            Scope::Write
        }
    }

    /// The MCP `tools/list` entry.
    pub fn to_mcp(&self) -> Tool {
        let annotations = ToolAnnotations::with_title(self.title)
            .read_only(self.hints.read_only)
            .destructive(self.hints.destructive)
            .idempotent(self.hints.idempotent)
            .open_world(self.hints.open_world);
        Tool::new(self.name, self.description, self.input_schema.clone())
            .with_title(self.title)
            .with_raw_output_schema(self.output_schema.clone())
            .with_annotations(annotations)
    }
}

/// `function` as a step taking the tool's arguments as JSON.
fn typed<A, T, F, Fut>(function: F) -> Step<T>
where
    A: DeserializeOwned + Send + 'static,
    F: Fn(ToolContext, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ToolError>> + Send + 'static,
{
    let function = Arc::new(function);
    Box::new(move |context, arguments| {
        let function = function.clone();
        Box::pin(async move {
            let arguments: A = serde_json::from_value(arguments)
                .map_err(|error| ToolError::InvalidArguments(error.to_string()))?;
            function(context, arguments).await
        })
    })
}

/// Builds a tool from its spec and a typed handler: the input schema comes
/// from `A`, the output schema from `O`.
fn define<A, O, F, Fut>(spec: Spec, handler: F) -> ToolDef
where
    A: DeserializeOwned + JsonSchema + Send + 'static,
    O: Serialize + JsonSchema + Send + 'static,
    F: Fn(ToolContext, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
{
    define_with(spec, handler, |output| {
        serde_json::to_value(output).map(Structured::new)
    })
}

/// [`define`], with the output's value and JSON made by `into_json`: for
/// an output holding a PMS [`budget::Payload`], [`payload_json`], which does not
/// build the payload.
fn define_with<A, O, F, Fut>(
    spec: Spec,
    handler: F,
    into_json: fn(O) -> serde_json::Result<Structured>,
) -> ToolDef
where
    A: DeserializeOwned + JsonSchema + Send + 'static,
    O: JsonSchema + Send + 'static,
    F: Fn(ToolContext, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O, ToolError>> + Send + 'static,
{
    let input_schema = schema_for::<A>();
    let validator = ArgumentValidator::new(&input_schema);
    let handler = typed(handler);
    let handler: Step<Structured> = Box::new(move |context, arguments| {
        let output = handler(context, arguments);
        Box::pin(async move {
            into_json(output.await?).map_err(|error| ToolError::Internal(error.into()))
        })
    });
    ToolDef {
        name: spec.name,
        title: spec.title,
        description: spec.description,
        hints: spec.hints,
        toolset: spec.toolset,
        credential: spec.credential,
        input_schema,
        output_schema: schema_for::<O>(),
        validator,
        handler,
        preview: None,
    }
}

/// The JSON of an output holding a PMS [`budget::Payload`]: the payload written as
/// Quendoo wrote it when it fit whole (else what the budget kept of it),
/// the value made only if a transport asks for it.
fn payload_json<T: Serialize>(output: T) -> serde_json::Result<Structured> {
    serde_json::value::to_raw_value(&output).map(Structured::from_json)
}

/// Checks an output type holding a PMS payload, built by `output` from a
/// payload and a `cut` note: whether the payload fit whole (as the PMS
/// wrote it) or not (its value alone), with a note or without, `into_json`
/// gives serde's value, and JSON of that value.
#[cfg(test)]
fn assert_payload_json<T: Serialize>(
    data: Value,
    output: impl Fn(budget::Payload, Option<budget::Cut>) -> T,
    into_json: fn(T) -> serde_json::Result<Structured>,
) {
    let measured = || {
        let raw = serde_json::value::to_raw_value(&data).unwrap();
        ResultBudget::DEFAULT.fit_payload(raw, |payload, _| payload)
    };
    for fit_whole in [true, false] {
        for cut in [None, Some(2)] {
            let note = || {
                cut.map(|omitted| budget::Cut {
                    omitted,
                    ask_next: "ask for the rest".into(),
                })
            };
            let payload = match fit_whole {
                true => measured().unwrap(),
                false => budget::Payload::from(data.clone()),
            };
            let made = into_json(output(payload, note())).unwrap();
            let expected = serde_json::to_value(output(data.clone().into(), note())).unwrap();
            let json: Value = serde_json::from_str(made.json()).unwrap();
            assert_eq!(json, expected, "{}", made.json());
            assert_eq!(made.into_parts().unwrap().0, expected);
        }
    }
}

/// Builds a write: `preview` says what it would change (from the PMS's
/// current state), `handler` does it and returns the upstream answer. It
/// takes a `confirmation` besides `A`'s arguments (the executor takes it
/// out before they are checked against `A`'s schema) and answers a
/// [`WriteAnswer`].
fn define_write<A, P, PFut, F, Fut>(spec: Spec, preview: P, handler: F) -> ToolDef
where
    A: DeserializeOwned + JsonSchema + Send + 'static,
    P: Fn(ToolContext, A) -> PFut + Send + Sync + 'static,
    PFut: Future<Output = Result<Preview, ToolError>> + Send + 'static,
    F: Fn(ToolContext, A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, ToolError>> + Send + 'static,
{
    let handler = Arc::new(handler);
    let mut tool = define(spec, move |context, arguments: A| {
        let handler = handler.clone();
        async move { handler(context, arguments).await.map(WriteAnswer::done) }
    });
    tool.preview = Some(typed(preview));
    let mut schema = (*tool.input_schema).clone();
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        properties.insert(
            CONFIRMATION_ARGUMENT.into(),
            writes::confirmation_property(),
        );
    }
    tool.input_schema = Arc::new(schema);
    tool
}

/// All tools, in the order `tools/list` shows them.
pub struct Catalogue {
    tools: Vec<ToolDef>,
    by_name: HashMap<&'static str, usize>,
}

impl Catalogue {
    pub fn new() -> Self {
        let tools = vec![
            property::get_property_settings(),
            property::get_rooms_details(),
            availability::get_availability(),
            occupancy::get_occupancy(),
            availability::update_availability(),
            bookings::get_bookings(),
            reception::get_arrivals_departures(),
            reception::find_guest(),
            reception::get_unacknowledged_bookings(),
            offers::get_booking_offers(),
            bookings::ack_booking(),
            bookings::post_room_assignment(),
            property::post_external_property_data(),
            comms::send_quendoo_email(),
            comms::make_call(),
        ];
        let by_name = tools
            .iter()
            .enumerate()
            .map(|(index, tool)| (tool.name, index))
            .collect();
        Self { tools, by_name }
    }

    pub fn get(&self, name: &str) -> Option<&ToolDef> {
        self.by_name.get(name).map(|&index| &self.tools[index])
    }

    pub fn iter(&self) -> impl Iterator<Item = &ToolDef> {
        self.tools.iter()
    }
}

impl Default for Catalogue {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NAMES: [&str; 15] = [
        "get_property_settings",
        "get_rooms_details",
        "get_availability",
        "get_occupancy",
        "update_availability",
        "get_bookings",
        "get_arrivals_departures",
        "find_guest",
        "get_unacknowledged_bookings",
        "get_booking_offers",
        "ack_booking",
        "post_room_assignment",
        "post_external_property_data",
        "send_quendoo_email",
        "make_call",
    ];

    #[test]
    fn the_catalogue_has_the_fifteen_tools_each_fully_described() {
        let catalogue = Catalogue::new();
        let names: Vec<_> = catalogue.iter().map(|t| t.name).collect();
        assert_eq!(names, NAMES);
        for tool in catalogue.iter() {
            assert!(catalogue.get(tool.name).is_some());
            assert!(!tool.title.is_empty(), "{}", tool.name);
            assert!(
                tool.description.len() > 100,
                "{}: describe it for a model",
                tool.name
            );
            assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
            assert_eq!(tool.output_schema["type"], "object", "{}", tool.name);
            assert_eq!(
                tool.input_schema["additionalProperties"],
                json!(false),
                "{}: unknown arguments must be refused",
                tool.name
            );
            let listed = serde_json::to_value(tool.to_mcp()).unwrap();
            for hint in [
                "readOnlyHint",
                "destructiveHint",
                "idempotentHint",
                "openWorldHint",
            ] {
                assert!(
                    listed["annotations"][hint].is_boolean(),
                    "{}: {hint}",
                    tool.name
                );
            }
        }
        let writes: Vec<_> = catalogue
            .iter()
            .filter(|t| !t.hints.read_only)
            .map(|t| t.name)
            .collect();
        assert_eq!(writes.len(), 6, "{writes:?}");
    }

    /// The advertised schemas are an interface: a change must be deliberate.
    /// Refresh with `UPDATE_SNAPSHOTS=1 cargo test -p quendoo-mcp --lib`.
    #[test]
    fn tool_listing_matches_the_snapshot() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/tools.json");
        let listing: Vec<Tool> = Catalogue::new().iter().map(ToolDef::to_mcp).collect();
        let current = serde_json::to_string_pretty(&listing).unwrap() + "\n";
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(path, &current).unwrap();
        }
        let stored = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            stored == current,
            "the tool listing changed: review it and refresh {path} with UPDATE_SNAPSHOTS=1"
        );
    }

    /// Every client sends the whole listing to its model on every turn:
    /// it must stay small. About 8,000 tokens for the fifteen tools when this
    /// was written (4,900 for the first eleven before their descriptions were
    /// shortened and the writes gained previews); a change that passes a
    /// ceiling needs a reason.
    #[test]
    fn the_listing_stays_under_its_token_ceilings() {
        const LISTING_CEILING: usize = 8_500;
        const TOOL_CEILING: usize = 750;
        let tokens = |bytes: usize| bytes.div_ceil(BYTES_PER_TOKEN);
        let listing: Vec<Tool> = Catalogue::new().iter().map(ToolDef::to_mcp).collect();
        for tool in &listing {
            let size = tokens(json_size(tool));
            assert!(size <= TOOL_CEILING, "{}: ~{size} tokens", tool.name);
        }
        let total = tokens(json_size(&listing));
        assert!(
            total <= LISTING_CEILING,
            "tools/list is ~{total} tokens: shorten descriptions (bench/tools_list_size.sh)"
        );
    }

    #[test]
    fn arguments_are_checked_against_the_schema_with_field_names() {
        let catalogue = Catalogue::new();
        let offers = catalogue.get("get_booking_offers").unwrap();
        let error = offers
            .validate(&mut json!({"date_from": "2026-13-01", "nights": 0, "guests": [{"adults": 11, "children_by_ages": [18]}], "currency": "euro"}))
            .unwrap_err()
            .to_string();
        for field in [
            "date_from",
            "nights",
            "guests[0].adults",
            "guests[0].children_by_ages[0]",
            "currency",
        ] {
            assert!(error.contains(field), "{field} missing from: {error}");
        }
        let email = catalogue.get("send_quendoo_email").unwrap();
        assert!(
            email
                .validate(&mut json!({"to": "not-an-address", "subject": "s", "message": "m"}))
                .is_err()
        );
        assert!(
            email
                .validate(&mut json!({"to": "guest@example.com", "subject": "s", "message": "m"}))
                .is_ok()
        );
        let unknown = catalogue
            .get("get_bookings")
            .unwrap()
            .validate(&mut json!({"hotel_id": 7}));
        assert!(unknown.unwrap_err().to_string().contains("hotel_id"));

        // The schemas say "optional", not "nullable"; a null from a model
        // still means "not given".
        let bookings = catalogue.get("get_bookings").unwrap();
        let mut nulls = json!({"status": null, "limit": null, "query": "Ivanova"});
        assert!(bookings.validate(&mut nulls).is_ok());
        assert_eq!(nulls, json!({"query": "Ivanova"}));
        let schema = Value::Object((*bookings.input_schema).clone());
        assert_eq!(schema["properties"]["status"]["type"], "string", "{schema}");
    }
}
