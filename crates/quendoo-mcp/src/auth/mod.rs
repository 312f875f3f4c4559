//! Who is calling: bearer tokens (HS256 JWTs) naming a tenant.

mod authenticator;
pub mod jwt;

pub use authenticator::{AuthFailure, Authenticator, bearer_token};

pub use jwt::{Audience, AuthError, Claims, JwtKeys};
