pub mod install_hook;
pub mod protect;
mod pump;
pub mod recon;
pub mod redact;
pub mod rules;
pub mod run;
pub mod scan;
mod setup;
