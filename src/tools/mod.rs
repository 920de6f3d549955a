//! Commands around the platform rather than in it: the benchmarks, the demo data generator
//! and the development certificates.

pub mod bench;
pub mod demo;
pub mod devcerts;
