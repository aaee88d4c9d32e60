mod archives;
mod scan;
