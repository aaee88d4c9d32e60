mod archives;
mod images;
mod scan;
