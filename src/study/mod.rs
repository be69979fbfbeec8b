//! Studies built on the engine: a run's result ([`run`]), sweeps and batches into tidy tables, sensitivity analysis,
//! shards and their merge, per-run tables, paired comparisons, time estimates, the
//! validation table and `check`.

pub mod batch;
pub mod caveat;
pub mod check;
pub mod compare;
pub mod estimate;
pub mod per_run;
pub mod run;
pub mod sensitivity;
pub mod shard;
pub mod sweep;
pub mod tidy;
pub mod validate;
