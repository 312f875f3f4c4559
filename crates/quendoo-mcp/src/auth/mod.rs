//! Who is calling: bearer tokens (HS256 JWTs) naming a tenant.

pub mod jwt;

pub use jwt::{Audience, AuthError, Claims, JwtKeys};
