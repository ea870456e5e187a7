//! 好差评 ratings in sled: one record per case and rater (`ratings`), and the public counts per
//! group (`rating_tallies`), written together.

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{SledStore, decode, encode, key, tx_error};
use crate::ratings::{Level, Rating, Rectification, Tally};
use crate::store::{RatingStore, StoreError, StoreResult};
use crate::workflow::outbox::Message;

const KEY_NAME: &[u8] = b"rating_key";

impl RatingStore for SledStore {
    fn rating_key(&self) -> StoreResult<Vec<u8>> {
        self.meta_key(KEY_NAME)
    }

    fn rating(&self, case_id: &str, rater: &str) -> StoreResult<Option<Rating>> {
        self.get(&self.ratings, &key(&[case_id.as_bytes(), rater.as_bytes()]))
    }

    fn put_rating(
        &self,
        rating: &Rating,
        previous: Option<&Rating>,
        changes: &[(String, Level, i64)],
        opened: Option<&Rectification>,
    ) -> StoreResult<()> {
        let k = key(&[rating.case_id.as_bytes(), rating.rater.as_bytes()]);
        let record = encode(rating)?;
        let opened = opened
            .map(|r| Ok::<_, StoreError>((r.id.to_be_bytes(), encode(r)?)))
            .transpose()?;
        (&self.ratings, &self.rating_tallies, &self.rectifications)
            .transaction(|(ratings, tallies, rectifications)| {
                let stored: Option<Rating> = match ratings.get(&k)? {
                    Some(v) => Some(decode(&v).map_err(ConflictableTransactionError::Abort)?),
                    None => None,
                };
                if stored.as_ref() != previous {
                    return Err(ConflictableTransactionError::Abort(StoreError::Conflict(
                        format!("the rating of case {} changed meanwhile", rating.case_id),
                    )));
                }
                ratings.insert(k.as_slice(), record.as_slice())?;
                if let Some((id, r)) = &opened {
                    rectifications.insert(&id[..], r.as_slice())?;
                }
                for (group, level, by) in changes {
                    let mut tally: Tally = match tallies.get(group.as_bytes())? {
                        Some(v) => decode(&v).map_err(ConflictableTransactionError::Abort)?,
                        None => Tally::default(),
                    };
                    tally.shift(*level, *by);
                    tallies.insert(
                        group.as_bytes(),
                        encode(&tally).map_err(ConflictableTransactionError::Abort)?,
                    )?;
                }
                Ok(())
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn next_rectification_id(&self) -> StoreResult<u64> {
        // sled's ids only grow, also across restarts; 0 is never used.
        Ok(self.db.generate_id()? + 1)
    }

    fn put_rectification(&self, record: &Rectification, messages: &[Message]) -> StoreResult<()> {
        let value = encode(record)?;
        let at = record
            .warnings
            .last()
            .map_or(record.opened_at.as_str(), |w| w.raised_at.as_str());
        let entries = messages
            .iter()
            .map(|m| self.outbox_entry(&record.case_id, at, m))
            .collect::<StoreResult<Vec<_>>>()?;
        (&self.rectifications, &self.outbox)
            .transaction(|(rectifications, outbox)| {
                rectifications.insert(&record.id.to_be_bytes()[..], value.as_slice())?;
                for (k, v) in &entries {
                    outbox.insert(&k[..], v.as_slice())?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        self.durable()
    }

    fn rectification(&self, id: u64) -> StoreResult<Option<Rectification>> {
        self.get(&self.rectifications, &id.to_be_bytes())
    }

    fn rectifications(&self) -> StoreResult<Vec<Rectification>> {
        self.rectifications
            .iter()
            .values()
            .map(|v| decode(&v?))
            .collect()
    }

    fn ratings(&self) -> StoreResult<Vec<Rating>> {
        self.ratings.iter().values().map(|v| decode(&v?)).collect()
    }

    fn rating_tallies(&self) -> StoreResult<Vec<(String, Tally)>> {
        self.rating_tallies
            .iter()
            .map(|row| {
                let (k, v) = row?;
                Ok((String::from_utf8_lossy(&k).into_owned(), decode(&v)?))
            })
            .collect()
    }
}
