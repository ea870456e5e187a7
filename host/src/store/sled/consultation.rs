//! Public consultation in sled: proposals, one support per person, daily support counts.

use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{SledStore, decode, encode, key, tx_error};
use crate::consultation::{Proposal, Reply, SupportOutcome};
use crate::store::{ConsultationStore, StoreError, StoreResult};

const KEY_NAME: &[u8] = b"consultation-key";

impl ConsultationStore for SledStore {
    fn consultation_key(&self) -> StoreResult<Vec<u8>> {
        self.meta_key(KEY_NAME)
    }

    fn next_proposal_id(&self) -> StoreResult<u64> {
        // Ids start at 1 and only grow; gaps are harmless.
        Ok(self.db.generate_id()? + 1)
    }

    fn put_proposal(&self, proposal: &Proposal) -> StoreResult<()> {
        self.put(&self.proposals, &proposal.id.to_be_bytes(), proposal)
    }

    fn proposal(&self, id: u64) -> StoreResult<Option<Proposal>> {
        self.get(&self.proposals, &id.to_be_bytes())
    }

    fn proposals(&self) -> StoreResult<Vec<Proposal>> {
        self.scan(&self.proposals, b"")
    }

    fn add_support(
        &self,
        id: u64,
        who: &str,
        day: &str,
        daily_limit: u32,
    ) -> StoreResult<SupportOutcome> {
        let pkey = id.to_be_bytes();
        let skey = [pkey.as_slice(), who.as_bytes()].concat();
        let dkey = key(&[who.as_bytes(), day.as_bytes()]);
        let outcome = (&self.proposals, &self.proposal_supports, &self.support_days)
            .transaction(|(proposals, supports, days)| {
                let Some(bytes) = proposals.get(pkey)? else {
                    return Ok(SupportOutcome::NoSuchProposal);
                };
                if supports.get(skey.as_slice())?.is_some() {
                    return Ok(SupportOutcome::AlreadySupported);
                }
                let today = days
                    .get(dkey.as_slice())?
                    .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
                    .map_or(0, u32::from_be_bytes);
                if today >= daily_limit {
                    return Ok(SupportOutcome::DailyLimit);
                }
                let mut proposal: Proposal =
                    decode(&bytes).map_err(ConflictableTransactionError::Abort)?;
                proposal.supports += 1;
                let encoded = encode(&proposal).map_err(ConflictableTransactionError::Abort)?;
                proposals.insert(&pkey, encoded)?;
                supports.insert(skey.as_slice(), &[] as &[u8])?;
                days.insert(dkey.as_slice(), &(today + 1).to_be_bytes())?;
                Ok::<_, ConflictableTransactionError<StoreError>>(SupportOutcome::Counted(
                    Box::new(proposal),
                ))
            })
            .map_err(tx_error)?;
        if matches!(outcome, SupportOutcome::Counted(_)) {
            self.durable()?;
        }
        Ok(outcome)
    }

    fn answer_proposal(&self, id: u64, reply: &Reply) -> StoreResult<Option<Proposal>> {
        let pkey = id.to_be_bytes();
        let answered = self
            .proposals
            .transaction(|proposals| {
                let Some(bytes) = proposals.get(pkey)? else {
                    return Ok(None);
                };
                let mut proposal: Proposal =
                    decode(&bytes).map_err(ConflictableTransactionError::Abort)?;
                proposal.status = reply.status;
                proposal.replies.push(reply.clone());
                let encoded = encode(&proposal).map_err(ConflictableTransactionError::Abort)?;
                proposals.insert(&pkey, encoded)?;
                Ok::<_, ConflictableTransactionError<StoreError>>(Some(proposal))
            })
            .map_err(tx_error)?;
        if answered.is_some() {
            self.durable()?;
        }
        Ok(answered)
    }
}
