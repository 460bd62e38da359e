//! The service's side of witnessing: every `CASELEDGER_WITNESS_INTERVAL_MS` at most,
//! each instance sends the newest signed checkpoint to every witness of the policy
//! that has not cosigned it, with a consistency proof from the size that witness last
//! cosigned, and keeps every cosignature it gets back (checked first). A witness that
//! is down or slow delays nothing: entries commit and checkpoints are signed without
//! it, and its lag is a gauge. A witness that refuses a checkpoint as inconsistent
//! (another root at a size it cosigned, or a proof that fails) raises the alarm: an
//! audit entry `log.witness_refused`, an outbox event of that type for the systems
//! that listen, a counter, an error in the log.

use crate::ledger::cosignature;
use crate::ledger::log::{self, SignedCheckpoint};
use crate::ledger::policy::{Policy, Witness};
use crate::ledger::{self as ledger, Action, Event, Outcome, witnessed};
use crate::observability::RequestMeta;
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(5);

/// What one witness did with one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Cosigned: the line, checked.
    Cosigned(String),
    /// It last cosigned another size: the next proof starts there.
    Behind(u64),
    /// It refused the checkpoint as inconsistent with what it saw (`409` without a
    /// size, or `422`): the alarm.
    Refused(u16),
    /// Down, slow, or an answer that is none of the above.
    Unavailable(String),
}

/// The request body of §7: `old`, the proof, an empty line, the checkpoint.
pub fn request_body(old: u64, proof: &[crate::ledger::merkle::Hash], note: &str) -> String {
    let mut body = format!("old {old}\n");
    for hash in proof {
        body.push_str(&STANDARD.encode(hash));
        body.push('\n');
    }
    body.push('\n');
    body.push_str(note);
    body
}

/// Sends a checkpoint to a witness and reads its answer.
pub async fn submit(
    client: &awc::Client,
    policy: &Policy,
    witness: &Witness,
    checkpoint: &SignedCheckpoint,
    old: u64,
    proof: &[crate::ledger::merkle::Hash],
) -> Answer {
    let Some(url) = &witness.url else {
        return Answer::Unavailable("the policy gives it no URL".into());
    };
    let sent = client
        .post(format!("{}/add-checkpoint", url.trim_end_matches('/')))
        .send_body(request_body(old, proof, &checkpoint.note))
        .await;
    let mut res = match sent {
        Ok(res) => res,
        Err(e) => return Answer::Unavailable(format!("{e}")),
    };
    let status = res.status().as_u16();
    let body = match res.body().limit(64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => return Answer::Unavailable(format!("{e}")),
    };
    match status {
        200 => {
            let cosigned = cosignature::add_lines(&checkpoint.note, &body);
            let mine = [witness.cosigner.clone()];
            match cosignature::verify(&cosigned, &policy.log, &mine) {
                Ok((_, found)) if !found.is_empty() => {
                    let line = body
                        .lines()
                        .find(|l| l.contains(&format!(" {} ", witness.cosigner.name)))
                        .map(|l| format!("{l}\n"))
                        .unwrap_or(body);
                    Answer::Cosigned(line)
                }
                _ => Answer::Unavailable("its answer holds no valid cosignature of its key".into()),
            }
        }
        409 => match body.trim().parse::<u64>() {
            Ok(size) => Answer::Behind(size),
            Err(_) => Answer::Refused(409),
        },
        422 => Answer::Refused(422),
        other => Answer::Unavailable(format!("it answered {other}")),
    }
}

/// What this instance knows of each witness (by verifier key): the size it last
/// cosigned or said it was at. Read from the database at a witness's first round, then
/// kept here; when another instance has moved the witness on since, the witness says
/// where it is (`409`) and the round goes on from there.
type Positions = Rc<RefCell<HashMap<String, u64>>>;

/// One witness's round: the checkpoint sent (again from the size it names, at most
/// once), its cosignature kept; the old size and status of a refusal, if it refused.
async fn round(
    state: &AppState,
    client: &awc::Client,
    policy: &Policy,
    witness: &Witness,
    latest: &SignedCheckpoint,
    positions: &Positions,
) -> crate::error::ApiResult<Option<(u64, u16)>> {
    let key = witness.verifier_key.clone();
    let size = latest.size;
    let known = positions.borrow().get(&key).copied();
    let mut old = match known {
        Some(at) => at,
        None => {
            let k = key.clone();
            let at = state.db(move |conn| witnessed::position(conn, &k)).await?;
            positions.borrow_mut().insert(key.clone(), at);
            at
        }
    };
    state
        .metrics
        .set_witness_lag(&witness.name, size.saturating_sub(old));
    if old >= size {
        return Ok(None);
    }
    for _ in 0..2 {
        let proof = if old == 0 {
            Vec::new()
        } else {
            let from = old;
            state
                .db(move |conn| log::consistency_proof(conn, from, size))
                .await?
        };
        let answer = submit(client, policy, witness, latest, old, &proof).await;
        let now = crate::db::now();
        match answer {
            Answer::Cosigned(line) => {
                let kept = witnessed::Cosignature {
                    size,
                    witness_key: key.clone(),
                    line,
                    at: now,
                };
                state
                    .ledger
                    .submit::<witnessed::KeepCosignatures>(kept, None)
                    .await?;
                positions.borrow_mut().insert(key, size);
                state.metrics.set_witness_lag(&witness.name, 0);
                return Ok(None);
            }
            Answer::Behind(at) => {
                let k = key.clone();
                state
                    .db(move |conn| witnessed::set_position(conn, &k, at, now))
                    .await?;
                positions.borrow_mut().insert(key.clone(), at);
                if at >= size {
                    return Ok(None);
                }
                old = at;
            }
            Answer::Refused(status) => return Ok(Some((old, status))),
            Answer::Unavailable(why) => {
                tracing::warn!(witness = %witness.name, %why, "a witness did not cosign; it is asked again");
                return Ok(None);
            }
        }
    }
    Ok(None)
}

/// A witness refused a checkpoint as inconsistent with what it saw: recorded in the
/// audit trail, counted, and logged as an error.
async fn alarm(
    state: &AppState,
    witness: &Witness,
    checkpoint: &SignedCheckpoint,
    old: u64,
    status: u16,
) -> crate::error::ApiResult<()> {
    tracing::error!(
        witness = %witness.name, size = checkpoint.size, old, status,
        "a witness refused the log's checkpoint as inconsistent with what it saw"
    );
    state.metrics.witness_refused(&witness.name);
    let event = Event::new(Action::LogWitnessRefused, None, &RequestMeta::default())
        .announcing(crate::ledger::Emit::new(
            "log.witness_refused",
            "log",
            &witness.name,
            "/api/v1/log/checkpoint?latest=true".to_owned(),
        ))
        .detail("witness", witness.name.as_str())
        .detail("witness_key", witness.verifier_key.as_str())
        .detail("tree_size", checkpoint.size)
        .detail("old", old)
        .detail("status", status);
    state
        // The entry records that the refusal happened (the outbox event goes with it).
        .db(move |conn| ledger::record(conn, &event, Outcome::Success).map(drop))
        .await
}

/// Submits checkpoints for as long as the service runs. Every interval, the newest
/// checkpoint goes to every witness at once (the same checkpoint to all, so that
/// their cosignatures meet at one size); a witness whose last round has not ended
/// (slow, or timing out) is skipped, so that it delays no other.
pub async fn run(state: AppState) {
    let Some(policy) = state.log.policy.clone() else {
        return;
    };
    let client = awc::Client::builder()
        .timeout(TIMEOUT)
        .disable_redirects()
        .finish();
    let every = Duration::from_millis(state.settings.witness_interval_ms.max(10));
    let policy = Rc::new(policy);
    let busy: Rc<RefCell<HashSet<String>>> = Default::default();
    let alarmed: Rc<RefCell<HashSet<(String, u64)>>> = Default::default();
    let positions: Positions = Default::default();
    loop {
        let started = std::time::Instant::now();
        match state.db(log::latest_checkpoint).await {
            Ok(Some(latest)) => {
                for witness in &policy.witnesses {
                    if !busy.borrow_mut().insert(witness.verifier_key.clone()) {
                        continue;
                    }
                    let (state, client, policy) = (state.clone(), client.clone(), policy.clone());
                    let (busy, alarmed, positions) =
                        (busy.clone(), alarmed.clone(), positions.clone());
                    let (witness, latest) = (witness.clone(), latest.clone());
                    actix_web::rt::spawn(async move {
                        let done =
                            round(&state, &client, &policy, &witness, &latest, &positions).await;
                        match done {
                            Ok(Some((old, status))) => {
                                let first = alarmed
                                    .borrow_mut()
                                    .insert((witness.verifier_key.clone(), latest.size));
                                if first
                                    && let Err(e) =
                                        alarm(&state, &witness, &latest, old, status).await
                                {
                                    tracing::warn!(error = %e, "a witness's alarm was not recorded");
                                }
                            }
                            Ok(None) => {}
                            Err(e) => {
                                tracing::warn!(witness = %witness.name, error = %e, "a witnessing round failed; it runs again");
                            }
                        }
                        busy.borrow_mut().remove(&witness.verifier_key);
                    });
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "the newest checkpoint could not be read"),
        }
        actix_web::rt::time::sleep(every.saturating_sub(started.elapsed())).await;
    }
}
