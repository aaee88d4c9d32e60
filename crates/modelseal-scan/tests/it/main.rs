mod archives;
mod git;
mod hub;
mod images;
mod scan;
