//! The supervision figures in sled: one record per row, keyed by the received day (as
//! `2026-11-27`, so the keys of a period are one range) and the row's other parts, each ended
//! by a zero byte. Commits add to them in `cases.rs`.

use lianban_sdk::Date;

use super::{SledStore, decode, encode, key};
use crate::store::{FigureStore, StoreError, StoreResult};
use crate::supervision::{FigureKey, Tally};

/// Marks, in `meta`, figures that count every committed command, with the version of the
/// counters they hold: figures kept by an older version miss a counter, and are built again.
const FIGURES_COMPLETE: &[u8] = b"figures_complete";
/// 2: `promised_days`.
const FIGURES_VERSION: &[u8] = b"2";

pub(super) fn figure_key(k: &FigureKey) -> Vec<u8> {
    let day = k.day.to_string();
    key(&[
        day.as_bytes(),
        k.one_thing.as_bytes(),
        k.channel.as_bytes(),
        k.clerk.as_bytes(),
        k.matter.as_bytes(),
        k.department.as_bytes(),
    ])
}

fn parse_key(bytes: &[u8]) -> StoreResult<FigureKey> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| StoreError::Corrupt("a figures key is not UTF-8".into()))?;
    let parts: Vec<&str> = text.split('\0').collect();
    let [day, one_thing, channel, clerk, matter, department] = parts[..] else {
        return Err(StoreError::Corrupt(format!("figures key {text:?}")));
    };
    Ok(FigureKey {
        day: day
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("figures key {text:?}")))?,
        one_thing: one_thing.to_owned(),
        channel: channel.to_owned(),
        clerk: clerk.to_owned(),
        matter: matter.to_owned(),
        department: department.to_owned(),
    })
}

impl SledStore {
    /// Marks the figures incomplete when a commit met an unreadable row (and overwrote it):
    /// the next build from the events puts it right.
    pub(super) fn figures_damaged(&self) {
        if let Err(e) = self.meta.remove(FIGURES_COMPLETE) {
            tracing::error!(%e, "could not mark the figures incomplete");
        }
        tracing::warn!("an unreadable figures row was replaced; the figures will be rebuilt");
    }
}

impl FigureStore for SledStore {
    fn figures(&self, from: Date, to: Date) -> StoreResult<Vec<(FigureKey, Tally)>> {
        let start = from.to_string();
        // Every key of `to` starts with its day and a zero byte; the next day's are greater.
        let end = key(&[to.to_string().as_bytes(), &[0xff]]);
        self.figures
            .range(start.as_bytes()..end.as_slice())
            .map(|row| {
                let (k, v) = row?;
                Ok((parse_key(&k)?, decode(&v)?))
            })
            .collect()
    }

    fn replace_figures(&self, rows: &[(FigureKey, Tally)]) -> StoreResult<()> {
        self.meta.remove(FIGURES_COMPLETE)?;
        self.durable()?;
        self.figures.clear()?;
        let mut batch = sled::Batch::default();
        for (k, t) in rows {
            batch.insert(figure_key(k), encode(t)?);
        }
        self.figures.apply_batch(batch)?;
        self.durable()?;
        self.meta.insert(FIGURES_COMPLETE, FIGURES_VERSION)?;
        self.durable()
    }

    fn figures_complete(&self) -> StoreResult<bool> {
        Ok(self.meta.get(FIGURES_COMPLETE)?.as_deref() == Some(FIGURES_VERSION))
    }

    fn set_figures_incomplete(&self) -> StoreResult<()> {
        self.meta.remove(FIGURES_COMPLETE)?;
        self.durable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_back_as_written() {
        let k = FigureKey {
            day: Date::ymd(2026, 11, 27),
            one_thing: "newborn".into(),
            channel: "window".into(),
            clerk: "王敏".into(),
            matter: String::new(),
            department: String::new(),
        };
        assert_eq!(parse_key(&figure_key(&k)).unwrap(), k);
    }
}
