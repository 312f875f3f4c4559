//! Values that come from outside (CLI, HTTP, tokens, the database) become
//! these types at the edge; past the edge, code only sees valid values.

mod email;
mod identifiers;
mod key_name;
mod tenant_name;

pub use email::EmailAddress;
pub use identifiers::{ConnectionId, TenantId, UserId};
pub use key_name::KeyName;
pub use tenant_name::TenantName;

/// Why an outside value was not accepted. The message names the rule, never
/// echoes a secret (none of these types holds one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DomainError(pub(crate) String);
