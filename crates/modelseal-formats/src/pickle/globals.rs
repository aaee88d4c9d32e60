//! The names a pickle imports when it is loaded (`GLOBAL`, `STACK_GLOBAL`,
//! `INST`), each kept once, and the ones that run commands or code.

use std::collections::HashMap;

/// Distinct imported names kept per pickle.
pub(super) const MAX_GLOBALS: usize = 4096;

#[derive(Debug, Default)]
pub(super) struct Globals {
    names: Vec<(String, String)>,
    index: HashMap<(String, String), u32>,
}

pub(super) enum Interned {
    /// Seen for the first time.
    New(u32),
    Known(u32),
    /// More than [`MAX_GLOBALS`] distinct names: not kept, given back.
    Full(String, String),
}

impl Globals {
    pub(super) fn intern(&mut self, module: String, name: String) -> Interned {
        let key = (module, name);
        if let Some(&i) = self.index.get(&key) {
            return Interned::Known(i);
        }
        if self.names.len() >= MAX_GLOBALS {
            return Interned::Full(key.0, key.1);
        }
        let i = self.names.len() as u32;
        self.names.push(key.clone());
        self.index.insert(key, i);
        Interned::New(i)
    }

    /// Module and name of an interned global.
    pub(super) fn get(&self, i: u32) -> Option<(&str, &str)> {
        self.names
            .get(i as usize)
            .map(|(m, n)| (m.as_str(), n.as_str()))
    }

    /// Every name, in the order the pickle first imports it.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names.iter().map(|(m, n)| (m.as_str(), n.as_str()))
    }
}

/// Whether loading a pickle that imports `module.name` can run a command,
/// arbitrary code, or open a connection.
pub(super) fn dangerous(module: &str, name: &str) -> bool {
    match module {
        "os" | "posix" | "nt" => {
            matches!(name, "system" | "popen" | "startfile")
                || name.starts_with("exec")
                || name.starts_with("spawn")
                || name.starts_with("posix_spawn")
        }
        "builtins" | "__builtin__" => {
            matches!(
                name,
                "eval" | "exec" | "execfile" | "compile" | "__import__"
            )
        }
        "pty" => name == "spawn",
        "subprocess" | "runpy" | "webbrowser" | "socket" | "commands" => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_once_in_order() {
        let mut full = Globals::default();
        for i in 0..MAX_GLOBALS {
            full.intern(format!("m{i}"), "n".into());
        }
        assert!(matches!(
            full.intern("os".into(), "system".into()),
            Interned::Full(m, n) if m == "os" && n == "system"
        ));
        assert!(matches!(
            full.intern("m7".into(), "n".into()),
            Interned::Known(7)
        ));

        let mut globals = Globals::default();
        assert!(matches!(
            globals.intern("os".into(), "system".into()),
            Interned::New(0)
        ));
        assert!(matches!(
            globals.intern("collections".into(), "OrderedDict".into()),
            Interned::New(1)
        ));
        assert!(matches!(
            globals.intern("os".into(), "system".into()),
            Interned::Known(0)
        ));
        assert_eq!(
            globals.iter().collect::<Vec<_>>(),
            [("os", "system"), ("collections", "OrderedDict")]
        );
        assert_eq!(globals.get(1), Some(("collections", "OrderedDict")));
        assert_eq!(globals.get(2), None);
    }

    #[test]
    fn dangerous_names() {
        for (module, name) in [
            ("os", "system"),
            ("posix", "system"),
            ("nt", "system"),
            ("os", "execvp"),
            ("subprocess", "Popen"),
            ("subprocess", "check_output"),
            ("builtins", "eval"),
            ("builtins", "exec"),
            ("__builtin__", "eval"),
            ("runpy", "run_path"),
            ("pty", "spawn"),
            ("webbrowser", "open"),
            ("socket", "create_connection"),
        ] {
            assert!(dangerous(module, name), "{module}.{name}");
        }
        for (module, name) in [
            ("collections", "OrderedDict"),
            ("torch._utils", "_rebuild_tensor_v2"),
            ("builtins", "getattr"),
            ("os", "path"),
            ("ossystem", "x"),
        ] {
            assert!(!dangerous(module, name), "{module}.{name}");
        }
    }
}
