//! quendoo-mcp
