//! quendoo-sim
