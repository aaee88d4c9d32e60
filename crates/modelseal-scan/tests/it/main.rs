mod archives;
mod git;
mod scan;
