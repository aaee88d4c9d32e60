mod archives;
mod hub;
mod scan;
