//! The consuming loop: read or take over entries, run up to `concurrency` handlers at once,
//! acknowledge or bury each as its handler ends.

use std::collections::{HashSet, VecDeque};
use std::fmt::Display;
use std::future::Future;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{Backoff, Delivery, MIN_RECLAIM_INTERVAL, StreamEntry, Worker, reclaim};
use crate::BusError;

impl Worker {
    /// Consumes the stream until `shutdown` is cancelled.
    ///
    /// Fails only when the first connection or the group cannot be set up; afterwards Redis
    /// errors are logged and retried with backoff. On shutdown the entries in hand are finished
    /// and acknowledged; entries read but not started stay pending and are reclaimed by the group.
    pub async fn run<F, Fut, E>(
        self,
        mut handler: F,
        shutdown: CancellationToken,
    ) -> Result<(), BusError>
    where
        F: FnMut(StreamEntry) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        let span = tracing::info_span!(
            "worker",
            stream = %self.stream,
            group = %self.group,
            consumer = %self.consumer
        );
        async move {
            // Reads block their connection (see the module docs), so acknowledgements of
            // handlers that end during a read go over a second one.
            let mut conn = self.connect().await?;
            let mut acks = self.connect().await?;
            self.ensure_group(&mut conn).await?;
            tracing::info!(concurrency = self.concurrency, "worker started");

            let reclaim_every = self
                .reclaim_interval
                .unwrap_or(self.reclaim_idle / 2)
                .max(MIN_RECLAIM_INTERVAL);
            // Reclaim at once: a replica that died before us may have left entries pending.
            let mut next_reclaim = Instant::now();
            let mut reclaim_cursor = reclaim::START.to_owned();
            let mut backoff = Backoff::default();
            // Read but not started, and started but not ended: both are "in hand", so a reclaim
            // that returns one of our own slow entries does not start it a second time.
            let mut ready: VecDeque<Delivery> = VecDeque::new();
            let mut in_hand: HashSet<String> = HashSet::new();
            let mut running = FuturesUnordered::new();

            'consume: while !shutdown.is_cancelled() {
                while running.len() < self.concurrency {
                    let Some(delivery) = ready.pop_front() else {
                        break;
                    };
                    let call = (delivery.deliveries <= u64::from(self.max_deliveries))
                        .then(|| handler(delivery.entry.clone()));
                    running.push(self.process(acks.clone(), delivery, call));
                }
                if !ready.is_empty() {
                    // Every place is taken: wait for one to free up.
                    if let Some(id) = running.next().await {
                        in_hand.remove(&id);
                    }
                    continue;
                }

                let now = Instant::now();
                let batch = if now >= next_reclaim {
                    let claimed = self.reclaim(&mut conn, &reclaim_cursor).await;
                    match &claimed {
                        Ok((cursor, _)) => {
                            // An unfinished scan continues right after this batch.
                            next_reclaim = if cursor == reclaim::START {
                                now + reclaim_every
                            } else {
                                now
                            };
                            reclaim_cursor.clone_from(cursor);
                        }
                        Err(_) => reclaim::START.clone_into(&mut reclaim_cursor),
                    }
                    claimed.map(|(_, batch)| batch)
                } else if running.len() >= self.concurrency {
                    if let Some(id) = running.next().await {
                        in_hand.remove(&id);
                    }
                    continue;
                } else {
                    let wait = (next_reclaim - now).min(self.block);
                    let read = self.read_new(&mut conn, wait);
                    tokio::pin!(read);
                    // Handlers keep running (and get acknowledged) while the read waits.
                    loop {
                        tokio::select! {
                            biased;
                            () = shutdown.cancelled() => break 'consume,
                            Some(id) = running.next(), if !running.is_empty() => {
                                in_hand.remove(&id);
                            }
                            read = &mut read => break read,
                        }
                    }
                };
                match batch {
                    Ok(batch) => {
                        backoff.reset();
                        for delivery in batch {
                            if in_hand.insert(delivery.entry.id.clone()) {
                                ready.push_back(delivery);
                            }
                        }
                    }
                    Err(err) => self.recover(&mut conn, err, &mut backoff, &shutdown).await,
                }
            }
            while running.next().await.is_some() {}
            // The reader may still be blocked in a read dropped at shutdown.
            self.leave(&mut acks).await;
            tracing::info!("worker stopped");
            Ok(())
        }
        .instrument(span)
        .await
    }

    /// Runs one handler call (`None`: the entry was delivered too often to run again) and
    /// acknowledges or buries the entry. Returns the entry id.
    async fn process<Fut, E>(
        &self,
        mut conn: ConnectionManager,
        delivery: Delivery,
        call: Option<Fut>,
    ) -> String
    where
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        let Delivery { entry, deliveries } = delivery;
        let span = tracing::info_span!("entry", id = %entry.id, deliveries);
        async {
            let Some(call) = call else {
                // Earlier attempts never reported back (the handler hung or its process died).
                self.bury(&mut conn, &entry, deliveries, None).await;
                return;
            };
            match call.await {
                Ok(()) => {
                    let acked: redis::RedisResult<usize> =
                        conn.xack(&self.stream, &self.group, &[&entry.id]).await;
                    if let Err(err) = acked {
                        tracing::warn!(error = %err, "XACK failed; the entry will be redelivered");
                    }
                }
                Err(err) if deliveries >= u64::from(self.max_deliveries) => {
                    self.bury(&mut conn, &entry, deliveries, Some(err.to_string()))
                        .await;
                }
                Err(err) => tracing::warn!(
                    error = %err,
                    retry_after = ?self.reclaim_idle,
                    "handler failed; the entry stays pending"
                ),
            }
        }
        .instrument(span)
        .await;
        entry.id
    }
}
