mod archives;
mod hub;
mod images;
mod scan;
