//! The hparams plugin's data (`HParamsPluginData`, from TensorBoard's
//! `plugins/hparams` protos): hyperparameter values can carry secrets.

use super::walk::{Events, each_len, map_entry, next};
use crate::protobuf::Walker;
use crate::reading::Result;

/// `HParamsPluginData`: an experiment, or a session's start.
pub(super) fn hparams_plugin_data(
    w: &mut Walker<'_>,
    e: &mut Events<'_>,
    path: &str,
) -> Result<()> {
    each_len(w, |w, number, len| match number {
        2 => {
            let here = format!("{path}/experiment");
            w.message(len, |w| experiment(w, e, &here)).map(drop)
        }
        3 => w.message(len, |w| session_start_info(w, e, path)).map(drop),
        _ => Ok(()),
    })
}

fn session_start_info(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    let mut hparams = 0;
    each_len(w, |w, number, len| match number {
        1 => {
            let index = next(&mut hparams);
            w.message(len, |w| map_entry(w, e, path, index, protobuf_value))
                .map(drop)
        }
        2 => e.out.string(w, &format!("{path}/model_uri"), len),
        3 => e.out.string(w, &format!("{path}/monitor_url"), len),
        4 => e.out.string(w, &format!("{path}/group_name"), len),
        _ => Ok(()),
    })
}

/// A `google.protobuf.Value`: strings reported, structs and lists walked.
fn protobuf_value(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    each_len(w, |w, number, len| match number {
        3 => e.out.string(w, path, len),
        // Struct: map<string, Value> fields = 1.
        5 => w
            .message(len, |w| {
                let mut fields = 0;
                each_len(w, |w, number, len| match number {
                    1 => {
                        let index = next(&mut fields);
                        w.message(len, |w| map_entry(w, e, path, index, protobuf_value))
                            .map(drop)
                    }
                    _ => Ok(()),
                })
            })
            .map(drop),
        6 => w.message(len, |w| list_value(w, e, path)).map(drop),
        _ => Ok(()),
    })
}

/// A `google.protobuf.ListValue`: `repeated Value values = 1`.
fn list_value(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    let mut values = 0;
    each_len(w, |w, number, len| match number {
        1 => {
            let here = format!("{path}[{}]", next(&mut values));
            w.message(len, |w| protobuf_value(w, e, &here)).map(drop)
        }
        _ => Ok(()),
    })
}

fn experiment(w: &mut Walker<'_>, e: &mut Events<'_>, path: &str) -> Result<()> {
    let (mut hparam_infos, mut metric_infos) = (0, 0);
    each_len(w, |w, number, len| match number {
        1 => e.out.string(w, &format!("{path}/description"), len),
        2 => e.out.string(w, &format!("{path}/user"), len),
        6 => e.out.string(w, &format!("{path}/name"), len),
        4 => {
            let here = format!("{path}/hparam_infos[{}]", next(&mut hparam_infos));
            w.message(len, |w| {
                each_len(w, |w, number, len| match number {
                    2 => e.out.string(w, &format!("{here}/display_name"), len),
                    3 => e.out.string(w, &format!("{here}/description"), len),
                    5 => {
                        let list = format!("{here}/domain_discrete");
                        w.message(len, |w| list_value(w, e, &list)).map(drop)
                    }
                    _ => Ok(()),
                })
            })
            .map(drop)
        }
        5 => {
            let here = format!("{path}/metric_infos[{}]", next(&mut metric_infos));
            w.message(len, |w| {
                each_len(w, |w, number, len| match number {
                    3 => e.out.string(w, &format!("{here}/display_name"), len),
                    4 => e.out.string(w, &format!("{here}/description"), len),
                    _ => Ok(()),
                })
            })
            .map(drop)
        }
        _ => Ok(()),
    })
}
