//! Who is calling: the dashboard's bearer tokens (HS256 JWTs naming a
//! tenant), and the access tokens of the built-in OAuth server.

pub mod access_token;
mod authenticator;
pub mod jwt;
pub mod password;
pub mod scope;
mod verified;

pub use access_token::{AccessClaims, AccessTokenKeys};
pub use authenticator::{AuthFailure, Authenticator, HotelToken, OAuthAudience, bearer_token};
pub use jwt::{Audience, AuthError, Claims, JwtKeys};
pub use scope::{Scope, Scopes};
