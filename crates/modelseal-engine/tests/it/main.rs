mod builtin_rules;
mod scanning;
