//! The disk spool of one signal: `{AGENT_TELEMETRY_SPOOL_DIR}/{traces,metrics,logs}/`, one
//! file per encoded OTLP request, named by a sequence number so that name order is hand-off
//! order, and a `.lock` file held for the life of the process.
//!
//! **File format** (`{seq:020}.otlp`), little-endian: magic `ATSPOOL1`, format version (1),
//! encoding (0 protobuf, 1 JSON), signal (0 traces, 1 metrics, 2 logs), a reserved byte, item
//! count (u64), hand-off time (u64, ms since the Unix epoch), payload length (u64), CRC-32 of
//! the payload (u32, `crc32fast`: IEEE, the zlib/PNG checksum), then the payload: the request
//! exactly as encoded at hand-off. A file is written as `{seq}.tmp`, flushed to disk
//! (`sync_data`) and renamed, so a complete name always has complete contents; a `.tmp` left
//! by a crash is deleted at the next start. A file whose size, header or checksum does not
//! match is reported by name, deleted, and skipped.
//!
//! **Lock.** The process that holds `.lock` (an exclusive advisory lock: `flock` on Unix,
//! `LockFileEx` on Windows, through `fs4`; released by the kernel when the process dies, SIGKILL included) is the only one that reads,
//! delivers and deletes the directory's files, so two processes never deliver one file twice.
//! A second process on the same directory runs without a spool and says so.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use fs4::fs_std::FileExt;

use crate::export::durable::encode::Encoding;
use crate::signal::Signal;

const MAGIC: &[u8; 8] = b"ATSPOOL1";
const VERSION: u8 = 1;
/// Bytes before the payload.
pub(crate) const HEADER_LEN: u64 = 8 + 4 + 8 + 8 + 8 + 4;
const EXT: &str = "otlp";

/// The metadata a spool file carries besides its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) encoding: Encoding,
    pub(crate) items: u64,
    pub(crate) created_ms: u64,
    pub(crate) len: u64,
    crc: u32,
}

/// A complete file found when the spool was opened.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) seq: u64,
    pub(crate) header: Header,
}

/// An open, locked spool directory of one signal.
#[derive(Debug)]
pub(crate) struct Spool {
    dir: PathBuf,
    signal: Signal,
    next_seq: AtomicU64,
    /// Held (locked) for the life of the spool.
    _lock: File,
}

/// An opened spool, its complete files oldest first, and the damaged ones (path, reason).
pub(crate) type Opened = (Spool, Vec<Found>, Vec<(PathBuf, String)>);

/// Why a spool could not be opened.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// Another process holds the lock.
    Locked(PathBuf),
    /// Not creatable, not writable, not lockable.
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Locked(p) => write!(
                f,
                "{} is in use by another process (its .lock is held)",
                p.display()
            ),
            Self::Io(p, e) => write!(f, "{} is not usable ({e})", p.display()),
        }
    }
}

fn signal_code(s: Signal) -> u8 {
    s.index() as u8
}

impl Spool {
    /// Creates and locks `root/{signal}`, deletes leftover `.tmp` files, and lists the
    /// complete files oldest first, with the files found corrupt (path, reason), which are
    /// deleted.
    pub(crate) fn open(root: &Path, signal: Signal) -> Result<Opened, OpenError> {
        let dir = root.join(signal.to_string());
        let io_err = |e| OpenError::Io(dir.clone(), e);
        fs::create_dir_all(&dir).map_err(io_err)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(dir.join(".lock"))
            .map_err(io_err)?;
        match FileExt::try_lock_exclusive(&lock) {
            Ok(true) => {}
            Ok(false) => return Err(OpenError::Locked(dir)),
            Err(e) => return Err(io_err(e)),
        }
        let mut found = Vec::new();
        let mut corrupt = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err)?.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some((stem, ext)) = name.rsplit_once('.') else {
                continue;
            };
            if ext == "tmp" {
                let _ = fs::remove_file(&path);
                continue;
            }
            let (true, Ok(seq)) = (ext == EXT, stem.parse::<u64>()) else {
                continue;
            };
            match read_header(&path, signal) {
                Ok(header) => found.push(Found { seq, header }),
                Err(why) => {
                    let _ = fs::remove_file(&path);
                    corrupt.push((path, why));
                }
            }
        }
        found.sort_by_key(|f| f.seq);
        let next = found.last().map_or(0, |f| f.seq + 1);
        let spool = Spool {
            dir,
            signal,
            next_seq: AtomicU64::new(next),
            _lock: lock,
        };
        Ok((spool, found, corrupt))
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}.{EXT}"))
    }

    /// Writes one request durably (see the module docs); returns its sequence number and the
    /// file's size. Safe to call from any thread: sequence numbers are handed out atomically.
    pub(crate) fn write(
        &self,
        encoding: Encoding,
        items: u64,
        created_ms: u64,
        payload: &[u8],
    ) -> io::Result<(u64, u64)> {
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let tmp = self.dir.join(format!("{seq:020}.tmp"));
        let written = (|| {
            let mut f = File::create(&tmp)?;
            let mut head = Vec::with_capacity(HEADER_LEN as usize);
            head.extend_from_slice(MAGIC);
            head.extend_from_slice(&[VERSION, encoding.code(), signal_code(self.signal), 0]);
            head.extend_from_slice(&items.to_le_bytes());
            head.extend_from_slice(&created_ms.to_le_bytes());
            head.extend_from_slice(&(payload.len() as u64).to_le_bytes());
            head.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
            f.write_all(&head)?;
            f.write_all(payload)?;
            f.sync_data()?;
            fs::rename(&tmp, self.path(seq))
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        Ok((seq, HEADER_LEN + payload.len() as u64))
    }

    /// Reads and checks one file, in one read; the payload is a view of what was read.
    pub(crate) fn read(&self, seq: u64) -> Result<(Header, Bytes), String> {
        let all = fs::read(self.path(seq)).map_err(|e| format!("unreadable ({e})"))?;
        let size = all.len() as u64;
        let header = all
            .first_chunk::<{ HEADER_LEN as usize }>()
            .ok_or_else(|| shorter_than_header(size))
            .and_then(|head| parse_header(head, size, self.signal))?;
        let payload = Bytes::from(all).slice(HEADER_LEN as usize..);
        if crc32fast::hash(&payload) != header.crc {
            return Err("checksum mismatch (corrupt contents)".to_owned());
        }
        Ok((header, payload))
    }

    /// Deletes one file (delivered, or dropped).
    pub(crate) fn remove(&self, seq: u64) {
        let _ = fs::remove_file(self.path(seq));
    }
}

/// Reads and checks the header of a file (at start, before the payload is needed).
fn read_header(path: &Path, signal: Signal) -> Result<Header, String> {
    let mut f = File::open(path).map_err(|e| format!("unreadable ({e})"))?;
    let size = f.metadata().map_err(|e| format!("unreadable ({e})"))?.len();
    let mut head = [0u8; HEADER_LEN as usize];
    if size < HEADER_LEN || f.read_exact(&mut head).is_err() {
        return Err(shorter_than_header(size));
    }
    parse_header(&head, size, signal)
}

fn shorter_than_header(size: u64) -> String {
    format!("truncated: {size} bytes, shorter than its header")
}

/// Checks a file's header against its `size` and `signal`.
fn parse_header(
    head: &[u8; HEADER_LEN as usize],
    size: u64,
    signal: Signal,
) -> Result<Header, String> {
    if &head[..8] != MAGIC || head[8] != VERSION {
        return Err("not a spool file of this version (bad magic)".to_owned());
    }
    let encoding =
        Encoding::from_code(head[9]).ok_or_else(|| format!("unknown encoding {}", head[9]))?;
    if head[10] != signal_code(signal) {
        return Err(format!("holds another signal (code {})", head[10]));
    }
    let u64_at = |i: usize| u64::from_le_bytes(head[i..i + 8].try_into().expect("8 bytes"));
    let header = Header {
        encoding,
        items: u64_at(12),
        created_ms: u64_at(20),
        len: u64_at(28),
        crc: u32::from_le_bytes(head[36..40].try_into().expect("4 bytes")),
    };
    if size != HEADER_LEN + header.len {
        return Err(format!(
            "truncated: {size} bytes, its header announces {}",
            HEADER_LEN + header.len
        ));
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tempdir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "telemetry-otel-spool-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn files_round_trip_and_damage_is_named() {
        let root = tempdir();
        let (spool, found, corrupt) = Spool::open(&root, Signal::Traces).unwrap();
        assert!(found.is_empty() && corrupt.is_empty());
        let (a, size) = spool.write(Encoding::Protobuf, 3, 42, b"first").unwrap();
        assert_eq!(size, HEADER_LEN + 5);
        let (b, _) = spool.write(Encoding::Json, 1, 43, b"second").unwrap();
        let (h, body) = spool.read(a).unwrap();
        assert_eq!((h.items, h.created_ms, &body[..]), (3, 42, &b"first"[..]));
        assert_eq!(spool.read(b).unwrap().0.encoding, Encoding::Json);
        // A second process is refused while the first holds the lock.
        assert!(matches!(
            Spool::open(&root, Signal::Traces),
            Err(OpenError::Locked(_))
        ));
        // Damage: one truncated, one with a flipped payload byte.
        let pa = spool.path(a);
        let len = fs::metadata(&pa).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(&pa)
            .unwrap()
            .set_len(len - 2)
            .unwrap();
        let pb = spool.path(b);
        let mut bytes = fs::read(&pb).unwrap();
        *bytes.last_mut().unwrap() ^= 0xff;
        fs::write(&pb, bytes).unwrap();
        assert!(spool.read(b).unwrap_err().contains("checksum"));
        drop(spool);
        let (spool, found, corrupt) = Spool::open(&root, Signal::Traces).unwrap();
        // The truncated one is caught by its size; the flipped byte only on reading.
        assert_eq!(found.len(), 1);
        assert_eq!(corrupt.len(), 1);
        assert_eq!(corrupt[0].0, pa);
        assert!(corrupt[0].1.contains("truncated"), "{}", corrupt[0].1);
        assert!(!pa.exists());
        assert_eq!(
            spool.write(Encoding::Protobuf, 1, 1, b"x").unwrap().0,
            b + 1
        );
        fs::remove_dir_all(root).unwrap();
    }
}
