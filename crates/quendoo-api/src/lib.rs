//! quendoo-api
