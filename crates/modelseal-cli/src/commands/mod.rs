pub mod rules;
pub mod scan;
mod setup;
