//! What a hotel lets its assistants do, as the operator set it: which
//! toolsets are on, whether the hotel is read-only, and whether writes need
//! a person's confirmation first. A connection may narrow this further
//! (headers, OAuth scopes) but never widen it.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A group of tools, switched on and off together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Toolset {
    /// Settings, room types, channel mapping.
    Property,
    /// Free rooms, occupancy, inventory changes.
    Availability,
    /// Bookings, arrivals, guests, acknowledgements, room assignment.
    Bookings,
    /// Priced offers for a guest's enquiry.
    Offers,
    /// E-mails and phone calls to people.
    Comms,
}

impl Toolset {
    pub const ALL: [Toolset; 5] = [
        Toolset::Property,
        Toolset::Availability,
        Toolset::Bookings,
        Toolset::Offers,
        Toolset::Comms,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Toolset::Property => "property",
            Toolset::Availability => "availability",
            Toolset::Bookings => "bookings",
            Toolset::Offers => "offers",
            Toolset::Comms => "comms",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of toolsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Toolsets(u8);

impl Toolsets {
    pub const ALL: Toolsets = Toolsets(0b1_1111);
    pub const NONE: Toolsets = Toolsets(0);

    pub fn with(self, toolset: Toolset) -> Toolsets {
        Toolsets(self.0 | toolset.bit())
    }

    pub fn contains(self, toolset: Toolset) -> bool {
        self.0 & toolset.bit() != 0
    }

    pub fn intersection(self, other: Toolsets) -> Toolsets {
        Toolsets(self.0 & other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Toolset> {
        Toolset::ALL.into_iter().filter(move |t| self.contains(*t))
    }
}

/// Comma-separated names (`bookings,offers`); spaces around names are
/// ignored, `all` stands for every toolset, an unknown name is an error.
impl FromStr for Toolsets {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .try_fold(Toolsets::NONE, |set, name| {
                if name == "all" {
                    return Ok(Toolsets::ALL);
                }
                Toolset::ALL
                    .into_iter()
                    .find(|t| t.name() == name)
                    .map(|t| set.with(t))
                    .ok_or_else(|| {
                        let name: String = name.chars().take(40).collect();
                        format!(
                            "unknown toolset `{name}` (toolsets: property, availability, bookings, offers, comms)"
                        )
                    })
            })
    }
}

impl fmt::Display for Toolsets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Toolset::name).collect();
        f.write_str(&names.join(","))
    }
}

impl Serialize for Toolsets {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(Toolset::name))
    }
}

/// A list of names, or one comma-separated string.
impl<'de> Deserialize<'de> for Toolsets {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Given {
            List(Vec<String>),
            Text(String),
        }
        let text = match Given::deserialize(deserializer)? {
            Given::List(names) => names.join(","),
            Given::Text(text) => text,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether a kind of write runs at once or waits for a person's yes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WriteMode {
    /// Show a preview first; act only when confirmed.
    Confirm,
    /// Act when called.
    Direct,
}

impl WriteMode {
    pub fn name(self) -> &'static str {
        match self {
            WriteMode::Confirm => "confirm",
            WriteMode::Direct => "direct",
        }
    }
}

impl FromStr for WriteMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "confirm" => Ok(WriteMode::Confirm),
            "direct" => Ok(WriteMode::Direct),
            other => Err(format!(
                "unknown write mode `{}` (confirm or direct)",
                other.chars().take(40).collect::<String>()
            )),
        }
    }
}

/// One hotel's policy. The default (no row stored) is everything on, and a
/// confirmation before every write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotelPolicy {
    /// The toolsets the hotel's assistants may use.
    pub toolsets: Toolsets,
    /// Only tools that read: no write and nothing that reaches people.
    pub read_only: bool,
    /// The four PMS writes (availability, acknowledgement, room assignment,
    /// channel mapping).
    pub pms_writes: WriteMode,
    /// E-mails and phone calls.
    pub comms: WriteMode,
}

impl Default for HotelPolicy {
    fn default() -> Self {
        HotelPolicy {
            toolsets: Toolsets::ALL,
            read_only: false,
            pms_writes: WriteMode::Confirm,
            comms: WriteMode::Confirm,
        }
    }
}

/// An operator's change to a hotel's policy: the fields given replace the
/// current ones, the others stay. Built from the admin API's JSON body or
/// the CLI's flags, so past the edge every value is a valid one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PolicyChange {
    pub toolsets: Option<Toolsets>,
    pub read_only: Option<bool>,
    pub pms_writes: Option<WriteMode>,
    pub comms: Option<WriteMode>,
}

const TOOLSET_NAMES: &str = "property, availability, bookings, offers, comms, or all";

impl PolicyChange {
    pub fn is_empty(&self) -> bool {
        *self == PolicyChange::default()
    }

    pub fn apply(self, policy: HotelPolicy) -> HotelPolicy {
        HotelPolicy {
            toolsets: self.toolsets.unwrap_or(policy.toolsets),
            read_only: self.read_only.unwrap_or(policy.read_only),
            pms_writes: self.pms_writes.unwrap_or(policy.pms_writes),
            comms: self.comms.unwrap_or(policy.comms),
        }
    }

    /// The toolsets an operator enables: comma-separated names, at least
    /// one. A hotel with none would serve an empty catalogue, which is more
    /// likely an empty variable in a script than a wish; to stop a hotel's
    /// assistants, delete its keys or disable its users.
    pub fn parse_toolsets(text: &str) -> Result<Toolsets, String> {
        enabled(text.parse()?)
    }
}

fn enabled(toolsets: Toolsets) -> Result<Toolsets, String> {
    if toolsets == Toolsets::NONE {
        return Err(format!("name at least one toolset ({TOOLSET_NAMES})"));
    }
    Ok(toolsets)
}

/// Every field given: the change that makes any policy this one.
impl From<HotelPolicy> for PolicyChange {
    fn from(policy: HotelPolicy) -> Self {
        PolicyChange {
            toolsets: Some(policy.toolsets),
            read_only: Some(policy.read_only),
            pms_writes: Some(policy.pms_writes),
            comms: Some(policy.comms),
        }
    }
}

/// The admin API's JSON object. Each refusal is one sentence that names the
/// field and what it takes.
impl TryFrom<serde_json::Map<String, serde_json::Value>> for PolicyChange {
    type Error = String;

    fn try_from(fields: serde_json::Map<String, serde_json::Value>) -> Result<Self, String> {
        use serde_json::Value;
        let mut change = PolicyChange::default();
        for (name, value) in fields {
            match name.as_str() {
                "toolsets" => {
                    let names = value.is_string()
                        || value
                            .as_array()
                            .is_some_and(|a| a.iter().all(Value::is_string));
                    let parsed = if names {
                        serde_json::from_value(value).map_err(|e| e.to_string())
                    } else {
                        Err(format!(
                            "a list of names or one comma-separated string ({TOOLSET_NAMES})"
                        ))
                    };
                    let toolsets = parsed.and_then(enabled);
                    change.toolsets = Some(toolsets.map_err(|e| format!("toolsets: {e}"))?);
                }
                "read_only" => {
                    let flag = value.as_bool().ok_or("read_only: true or false")?;
                    change.read_only = Some(flag);
                }
                "pms_writes" => change.pms_writes = Some(write_mode(&name, &value)?),
                "comms" => change.comms = Some(write_mode(&name, &value)?),
                other => {
                    let other: String = other.chars().take(40).collect();
                    return Err(format!(
                        "unknown field `{other}` (a policy has toolsets, read_only, pms_writes \
                         and comms)"
                    ));
                }
            }
        }
        Ok(change)
    }
}

fn write_mode(field: &str, value: &serde_json::Value) -> Result<WriteMode, String> {
    value
        .as_str()
        .ok_or_else(|| "confirm or direct".to_owned())
        .and_then(str::parse)
        .map_err(|e| format!("{field}: {e}"))
}

/// What one connection asks to be narrowed to (`X-MCP-Toolsets`,
/// `X-MCP-Readonly: true`): it can take away, never add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Narrowing {
    pub toolsets: Toolsets,
    pub read_only: bool,
}

impl Narrowing {
    /// No narrowing: what the hotel's policy allows.
    pub const NONE: Narrowing = Narrowing {
        toolsets: Toolsets::ALL,
        read_only: false,
    };
}

impl Default for Narrowing {
    fn default() -> Self {
        Narrowing::NONE
    }
}

/// What a tool is, as far as a policy cares.
#[derive(Clone, Copy, Debug)]
pub struct ToolTraits {
    pub toolset: Toolset,
    /// Changes something (a PMS write, or a message to a person).
    pub writes: bool,
    /// Reaches people (e-mail, phone).
    pub reaches_people: bool,
}

/// Why a tool may not be called, in a sentence for the model and the hotel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error(
        "it belongs to the {0} toolset, which this hotel's operator has not enabled; ask the \
         operator, or use the tools tools/list shows"
    )]
    ToolsetOff(&'static str),
    #[error("this hotel is read-only (set by its operator), and it changes things")]
    HotelReadOnly,
    #[error(
        "this connection is limited to the toolsets {0} (X-MCP-Toolsets), and it belongs to \
         {1}"
    )]
    ConnectionToolsets(Toolsets, &'static str),
    #[error("this connection is read-only (X-MCP-Readonly: true), and it changes things")]
    ConnectionReadOnly,
}

impl HotelPolicy {
    /// Why `tool` may not be called under this policy narrowed by `narrowing`.
    pub fn denies(&self, narrowing: Narrowing, tool: ToolTraits) -> Option<Denied> {
        if !self.toolsets.contains(tool.toolset) {
            return Some(Denied::ToolsetOff(tool.toolset.name()));
        }
        if tool.writes && self.read_only {
            return Some(Denied::HotelReadOnly);
        }
        if !narrowing.toolsets.contains(tool.toolset) {
            return Some(Denied::ConnectionToolsets(
                narrowing.toolsets,
                tool.toolset.name(),
            ));
        }
        if tool.writes && narrowing.read_only {
            return Some(Denied::ConnectionReadOnly);
        }
        None
    }

    /// Whether a write of this kind waits for a person's yes.
    pub fn confirms(&self, tool: ToolTraits) -> bool {
        let mode = if tool.reaches_people {
            self.comms
        } else {
            self.pms_writes
        };
        tool.writes && mode == WriteMode::Confirm
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn toolsets_parse_print_and_refuse_unknown_names() {
        let set: Toolsets = " bookings, offers ".parse().unwrap();
        assert!(set.contains(Toolset::Bookings) && set.contains(Toolset::Offers));
        assert!(!set.contains(Toolset::Comms));
        assert_eq!(set.to_string(), "bookings,offers");
        assert_eq!("all".parse::<Toolsets>().unwrap(), Toolsets::ALL);
        assert_eq!("".parse::<Toolsets>().unwrap(), Toolsets::NONE);
        assert!(
            "bookings,admin"
                .parse::<Toolsets>()
                .unwrap_err()
                .contains("admin")
        );
        let json: Toolsets = serde_json::from_str(r#"["comms","property"]"#).unwrap();
        assert_eq!(json.to_string(), "property,comms");
        assert_eq!(
            serde_json::to_string(&json).unwrap(),
            r#"["property","comms"]"#
        );
    }

    #[test]
    fn the_default_policy_confirms_every_write() {
        let policy = HotelPolicy::default();
        assert_eq!(policy.toolsets, Toolsets::ALL);
        assert!(!policy.read_only);
        assert_eq!(
            (policy.pms_writes, policy.comms),
            (WriteMode::Confirm, WriteMode::Confirm)
        );
        assert_eq!(
            serde_json::to_value(policy).unwrap(),
            serde_json::json!({"toolsets": ["property", "availability", "bookings", "offers", "comms"],
                "read_only": false, "pms_writes": "confirm", "comms": "confirm"})
        );
    }

    #[test]
    fn a_connection_narrows_but_never_widens() {
        let read = ToolTraits {
            toolset: Toolset::Bookings,
            writes: false,
            reaches_people: false,
        };
        let write = ToolTraits {
            writes: true,
            ..read
        };
        let hotel = HotelPolicy {
            toolsets: "bookings,offers".parse().unwrap(),
            ..HotelPolicy::default()
        };
        assert_eq!(hotel.denies(Narrowing::NONE, read), None);
        assert_eq!(hotel.denies(Narrowing::NONE, write), None);
        // Asking for a toolset the hotel has off does not switch it on.
        let wider = Narrowing {
            toolsets: Toolsets::ALL,
            read_only: false,
        };
        let comms = ToolTraits {
            toolset: Toolset::Comms,
            writes: true,
            reaches_people: true,
        };
        assert_eq!(
            hotel.denies(wider, comms),
            Some(Denied::ToolsetOff("comms"))
        );
        let offers_only = Narrowing {
            toolsets: "offers".parse().unwrap(),
            read_only: false,
        };
        assert!(matches!(
            hotel.denies(offers_only, read),
            Some(Denied::ConnectionToolsets(_, "bookings"))
        ));
        let read_only = Narrowing {
            read_only: true,
            ..Narrowing::NONE
        };
        assert_eq!(hotel.denies(read_only, read), None);
        assert_eq!(
            hotel.denies(read_only, write),
            Some(Denied::ConnectionReadOnly)
        );
        let locked = HotelPolicy {
            read_only: true,
            ..HotelPolicy::default()
        };
        assert_eq!(
            locked.denies(Narrowing::NONE, write),
            Some(Denied::HotelReadOnly)
        );
        assert!(
            Denied::ToolsetOff("comms").to_string().contains("comms"),
            "the sentence names the toolset"
        );
    }

    #[test]
    fn confirmation_follows_the_kind_of_write() {
        let pms = ToolTraits {
            toolset: Toolset::Availability,
            writes: true,
            reaches_people: false,
        };
        let people = ToolTraits {
            toolset: Toolset::Comms,
            writes: true,
            reaches_people: true,
        };
        let direct_pms = HotelPolicy {
            pms_writes: WriteMode::Direct,
            ..HotelPolicy::default()
        };
        assert!(!direct_pms.confirms(pms));
        assert!(direct_pms.confirms(people));
        assert!(!HotelPolicy::default().confirms(ToolTraits {
            writes: false,
            ..pms
        }));
    }

    fn change(body: serde_json::Value) -> Result<PolicyChange, String> {
        match body {
            serde_json::Value::Object(fields) => PolicyChange::try_from(fields),
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name() {
        let set = HotelPolicy {
            toolsets: "bookings".parse().unwrap(),
            read_only: true,
            pms_writes: WriteMode::Direct,
            comms: WriteMode::Direct,
        };
        assert_eq!(PolicyChange::default().apply(set), set);
        assert!(PolicyChange::default().is_empty());
        let partial = change(json!({"read_only": false, "comms": "confirm"})).unwrap();
        assert!(!partial.is_empty());
        assert_eq!(
            partial.apply(set),
            HotelPolicy {
                read_only: false,
                comms: WriteMode::Confirm,
                ..set
            }
        );
        assert_eq!(PolicyChange::from(set).apply(HotelPolicy::default()), set);
        let listed = change(json!({"toolsets": ["offers", "comms"]})).unwrap();
        let text = change(json!({"toolsets": "comms, offers"})).unwrap();
        assert_eq!(listed, text);
        assert_eq!(listed.toolsets.unwrap().to_string(), "offers,comms");
        let all = change(json!({"toolsets": "all", "pms_writes": "direct"})).unwrap();
        assert_eq!(
            all.apply(set),
            HotelPolicy {
                toolsets: Toolsets::ALL,
                ..set
            }
        );
    }

    #[test]
    fn a_bad_change_is_refused_with_the_field_and_what_it_takes() {
        for (body, field, allowed) in [
            (json!({"toolsets": "bookings,spa"}), "toolsets", "comms"),
            (json!({"toolsets": 3}), "toolsets", "comma-separated"),
            (
                json!({"toolsets": ["bookings", 1]}),
                "toolsets",
                "list of names",
            ),
            (json!({"toolsets": []}), "toolsets", "at least one"),
            (json!({"toolsets": " , "}), "toolsets", "at least one"),
            (json!({"read_only": "yes"}), "read_only", "true or false"),
            (json!({"read_only": null}), "read_only", "true or false"),
            (
                json!({"pms_writes": "sometimes"}),
                "pms_writes",
                "confirm or direct",
            ),
            (json!({"comms": true}), "comms", "confirm or direct"),
            (json!({"readonly": true}), "readonly", "read_only"),
        ] {
            let error = change(body.clone()).unwrap_err();
            assert!(
                error.contains(field) && error.contains(allowed),
                "{body}: {error}"
            );
        }
        assert!(PolicyChange::parse_toolsets("").is_err());
        assert_eq!(
            PolicyChange::parse_toolsets("property")
                .unwrap()
                .to_string(),
            "property"
        );
    }
}
