//! The export queue of one signal: encoded requests in hand-off order, bounded in memory
//! bytes and (with a spool) in disk bytes. Pure bookkeeping; the delivery thread does the I/O
//! and the counting.
//!
//! Over the memory bound, the oldest requests leave memory first: one that is also in a
//! spool file stays queued on disk only, one that is not is dropped. Over the spool bound, the
//! oldest files are deleted first: a request that was on disk only is then dropped. The
//! request being sent (the head, while `busy`) is never evicted.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;

/// One encoded OTLP export request, in its delivery's encoding.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The request; `None` while it is on disk only.
    pub(crate) body: Option<Bytes>,
    /// Its length in bytes.
    pub(crate) len: u64,
    pub(crate) items: u64,
    /// Hand-off time, ms since the Unix epoch.
    pub(crate) created_ms: u64,
    /// Its spool file: (sequence number, file size).
    pub(crate) file: Option<(u64, u64)>,
    /// Left in the spool by an earlier process.
    pub(crate) replayed: bool,
    pub(crate) first_failure: Option<Instant>,
    /// The delivery's failure count when it was queued: delivered after more failures means
    /// it waited out an outage (delivered late).
    pub(crate) failures_at_queueing: u64,
}

impl Entry {
    /// A request handed over by this process, in memory (and in `file`, if spooled).
    pub(crate) fn new(body: Bytes, items: u64, created_ms: u64, file: Option<(u64, u64)>) -> Self {
        Self {
            len: body.len() as u64,
            body: Some(body),
            items,
            created_ms,
            file,
            replayed: false,
            first_failure: None,
            failures_at_queueing: 0,
        }
    }

    /// A request an earlier process left in spool file `seq` (`size` bytes, header included),
    /// on disk only until it is sent.
    pub(crate) fn replayed(len: u64, items: u64, created_ms: u64, seq: u64, size: u64) -> Self {
        Self {
            body: None,
            len,
            items,
            created_ms,
            file: Some((seq, size)),
            replayed: true,
            first_failure: None,
            failures_at_queueing: 0,
        }
    }
}

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Queue {
    entries: VecDeque<Entry>,
    mem_bytes: u64,
    mem_limit: u64,
    spool_bytes: u64,
    spool_limit: u64,
    /// The head is being sent.
    pub(crate) busy: bool,
}

/// Entries and spool files removed by a bound.
#[derive(Debug, Default)]
pub(crate) struct Evicted {
    /// Dropped because memory was full and they had no spool file.
    pub(crate) queue_full: Vec<Entry>,
    /// Dropped because the spool was full and they were on disk only.
    pub(crate) spool_full: Vec<Entry>,
    /// Spool files to delete.
    pub(crate) files: Vec<u64>,
}

impl Queue {
    pub(crate) fn new(mem_limit: u64, spool_limit: u64) -> Self {
        Self {
            entries: VecDeque::new(),
            mem_bytes: 0,
            mem_limit,
            spool_bytes: 0,
            spool_limit,
            busy: false,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn items(&self) -> u64 {
        self.entries.iter().map(|e| e.items).sum()
    }

    pub(crate) fn mem_bytes(&self) -> u64 {
        self.mem_bytes
    }

    pub(crate) fn spool_bytes(&self) -> u64 {
        self.spool_bytes
    }

    pub(crate) fn oldest_ms(&self) -> Option<u64> {
        self.entries.iter().map(|e| e.created_ms).min()
    }

    pub(crate) fn front(&self) -> Option<&Entry> {
        self.entries.front()
    }

    pub(crate) fn front_mut(&mut self) -> Option<&mut Entry> {
        self.entries.front_mut()
    }

    /// Appends a request and applies both bounds.
    pub(crate) fn push(&mut self, e: Entry) -> Evicted {
        if e.body.is_some() {
            self.mem_bytes += e.len;
        }
        if let Some((_, size)) = e.file {
            self.spool_bytes += size;
        }
        self.entries.push_back(e);
        self.trim()
    }

    /// Gives the head its body, read back from disk.
    pub(crate) fn load_front(&mut self, body: Bytes) {
        if let Some(e) = self.entries.front_mut().filter(|e| e.body.is_none()) {
            self.mem_bytes += e.len;
            e.body = Some(body);
        }
    }

    /// Removes the head; its spool file, if any, is for the caller to delete.
    pub(crate) fn pop(&mut self) -> Option<Entry> {
        let e = self.entries.pop_front()?;
        self.busy = false;
        self.forget(&e);
        Some(e)
    }

    /// Removes every entry.
    pub(crate) fn drain(&mut self) -> Vec<Entry> {
        self.busy = false;
        self.mem_bytes = 0;
        self.spool_bytes = 0;
        self.entries.drain(..).collect()
    }

    /// Frees the head's memory when it is safe on disk (its retry window passed; it waits
    /// there for the collector).
    pub(crate) fn evict_front_body(&mut self) {
        let on_disk = self.entries.front_mut().filter(|e| e.file.is_some());
        if let Some(b) = on_disk.and_then(|e| e.body.take()) {
            self.mem_bytes -= b.len() as u64;
        }
    }

    fn forget(&mut self, e: &Entry) {
        if e.body.is_some() {
            self.mem_bytes -= e.len;
        }
        if let Some((_, size)) = e.file {
            self.spool_bytes -= size;
        }
    }

    fn trim(&mut self) -> Evicted {
        let mut out = Evicted::default();
        let first = usize::from(self.busy);
        let mut i = first;
        while self.spool_bytes > self.spool_limit && i < self.entries.len() {
            let e = &mut self.entries[i];
            let Some((seq, size)) = e.file.take() else {
                i += 1;
                continue;
            };
            self.spool_bytes -= size;
            out.files.push(seq);
            if e.body.is_none() {
                let e = self.entries.remove(i).expect("index in range");
                out.spool_full.push(e);
            } else {
                i += 1;
            }
        }
        let mut i = first;
        while self.mem_bytes > self.mem_limit && i < self.entries.len() {
            let e = &mut self.entries[i];
            if e.body.is_none() {
                i += 1;
                continue;
            }
            if e.file.is_some() {
                e.body = None;
                self.mem_bytes -= e.len;
                i += 1;
            } else {
                let e = self.entries.remove(i).expect("index in range");
                self.mem_bytes -= e.len;
                out.queue_full.push(e);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(len: u64, file: Option<u64>) -> Entry {
        Entry::new(
            Bytes::from(vec![0; len as usize]),
            len,
            len,
            file.map(|seq| (seq, len + 40)),
        )
    }

    #[test]
    fn memory_bound_drops_the_oldest_unless_it_is_on_disk() {
        let mut q = Queue::new(100, u64::MAX);
        assert!(q.push(entry(40, None)).queue_full.is_empty());
        assert!(q.push(entry(41, Some(7))).queue_full.is_empty());
        let ev = q.push(entry(42, None));
        // 123 > 100: the oldest (no file) is dropped.
        assert_eq!(
            ev.queue_full.iter().map(|e| e.len).collect::<Vec<_>>(),
            [40]
        );
        assert_eq!(q.mem_bytes(), 83);
        let ev = q.push(entry(43, None));
        // The oldest now has a file: it stays, on disk only.
        assert!(ev.queue_full.is_empty());
        assert_eq!(q.len(), 3);
        assert!(q.front().unwrap().body.is_none());
        assert_eq!(q.mem_bytes(), 85);
        // The busy head is never evicted.
        let mut q = Queue::new(50, u64::MAX);
        q.push(entry(40, None));
        q.busy = true;
        let ev = q.push(entry(30, None));
        assert_eq!(ev.queue_full.len(), 1);
        assert_eq!(q.front().unwrap().len, 40);
    }

    #[test]
    fn spool_bound_deletes_the_oldest_files() {
        let mut q = Queue::new(60, 200);
        q.push(entry(50, Some(1))); // file 90 bytes
        q.push(entry(51, Some(2))); // 181 bytes on disk; memory 101 > 60: first evicted to disk
        assert!(q.front().unwrap().body.is_none());
        let ev = q.push(entry(52, Some(3))); // 273 > 200: file 1 deleted, its entry lost
        assert_eq!(ev.files, [1]);
        assert_eq!(ev.spool_full.len(), 1);
        assert_eq!(q.spool_bytes(), 91 + 92);
        assert_eq!(q.len(), 2);
        let e = q.pop().unwrap();
        assert_eq!(e.file, Some((2, 91)));
        assert_eq!(q.spool_bytes(), 92);
    }
}
