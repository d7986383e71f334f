//! The in-memory session store, bounded in every direction: how many sessions, how long an
//! idle one is kept, and how much history one keeps (in turns and in bytes).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::Value;

use crate::api_error::MAX_BODY_BYTES;
use crate::config::ConfigError;
use crate::model::ChatMessage;

/// The limits of the session store and of each request's message. Every one is a flag of
/// `agent-engine serve` (and an `AGENT_ENGINE_*` variable); the defaults are listed there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionLimits {
    /// Sessions kept at once; creating one more answers 503 with `Retry-After` (default
    /// 10,000).
    pub max_sessions: usize,
    /// A session unused this long is removed (default 30 minutes); its id then answers 404.
    pub idle_timeout: Duration,
    /// Turns of history a session keeps for the model (default 50). A turn is one user
    /// message and everything the agent added answering it. Older turns are dropped from the
    /// model's context and the reply's `context.dropped_turns` counts them.
    pub max_history_turns: usize,
    /// Bytes of history a session keeps for the model (default 256 KiB), counted as the
    /// message texts, tool names and tool arguments. The newest turn is always kept.
    pub max_history_bytes: usize,
    /// Largest message `content`, in bytes (default 64 KiB); a longer one answers 413.
    pub max_message_bytes: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            max_sessions: 10_000,
            idle_timeout: Duration::from_secs(30 * 60),
            max_history_turns: 50,
            max_history_bytes: 256 * 1024,
            max_message_bytes: 64 * 1024,
        }
    }
}

impl SessionLimits {
    /// Checks that every limit is positive and that a message fits the 1 MiB request body.
    ///
    /// # Errors
    /// [`ConfigError`] naming the flag, its value and what is accepted.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let positive = [
            ("--max-sessions", self.max_sessions),
            ("--max-history-turns", self.max_history_turns),
            ("--max-history-bytes", self.max_history_bytes),
            ("--max-message-bytes", self.max_message_bytes),
        ];
        for (flag, value) in positive {
            if value == 0 {
                return Err(ConfigError::new(format!(
                    "invalid {flag} 0: expected a positive number"
                )));
            }
        }
        if self.idle_timeout.is_zero() {
            return Err(ConfigError::new(
                "invalid --session-idle-timeout 0: expected a positive number of seconds",
            ));
        }
        if self.max_message_bytes > MAX_BODY_BYTES {
            return Err(ConfigError::new(format!(
                "invalid --max-message-bytes {}: expected at most {MAX_BODY_BYTES} (the 1 MiB \
                 request body limit)",
                self.max_message_bytes
            )));
        }
        Ok(())
    }
}

/// One tool call as the API reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToolCallRecord {
    /// The model's call id (`gen_ai.tool.call.id`).
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments the model sent.
    pub arguments: Value,
    /// The result, when the call succeeded.
    pub result: Option<Value>,
    /// What went wrong, when it failed.
    pub error: Option<String>,
}

/// A conversation: its history as the model sees it and the tool calls made.
#[derive(Debug)]
pub struct Session {
    /// The session id (`gen_ai.conversation.id`): a random UUID v4, shared like the agent
    /// name.
    pub id: Arc<str>,
    /// The agent's name (`gen_ai.agent.name`), shared: every turn's `invoke_agent` span and
    /// metrics carry it without copying it.
    pub agent: Arc<str>,
    /// When it was created.
    pub created_at: SystemTime,
    /// User, assistant and tool messages, oldest first; at most
    /// [`SessionLimits::max_history_turns`] turns and about
    /// [`SessionLimits::max_history_bytes`].
    pub history: Vec<ChatMessage>,
    /// Tool calls of the turns still in `history`, oldest first.
    pub tool_calls: Vec<ToolCallRecord>,
    /// Turns dropped from the history since the session began.
    pub dropped_turns: u64,
}

/// Bytes a message adds to the history: its texts, tool names and tool arguments.
pub fn message_bytes(m: &ChatMessage) -> usize {
    match m {
        ChatMessage::System(c) | ChatMessage::User(c) => c.len(),
        ChatMessage::Assistant {
            content,
            tool_calls,
        } => {
            content.as_ref().map_or(0, String::len)
                + tool_calls
                    .iter()
                    .map(|c| c.id.len() + c.name.len() + c.arguments.to_string().len())
                    .sum::<usize>()
        }
        ChatMessage::Tool {
            call_id,
            name,
            content,
        } => call_id.len() + name.len() + content.len(),
    }
}

impl Session {
    /// Turns in the history (user messages).
    pub fn turns(&self) -> usize {
        self.history
            .iter()
            .filter(|m| matches!(m, ChatMessage::User(_)))
            .count()
    }

    /// Drops the oldest turns until at most `max_turns` turns and `max_bytes` bytes remain,
    /// keeping at least the newest `min_keep` turns; returns how many were dropped and adds
    /// them to [`dropped_turns`](Self::dropped_turns). Tool call records of the dropped turns
    /// go too.
    pub fn trim(&mut self, max_turns: usize, max_bytes: usize, min_keep: usize) -> usize {
        let mut turns = self.turns();
        let mut bytes: usize = self.history.iter().map(message_bytes).sum();
        let mut dropped = 0;
        while turns > min_keep && (turns > max_turns || bytes > max_bytes) {
            // The oldest turn: its user message and everything up to the next one.
            let end = self
                .history
                .iter()
                .skip(1)
                .position(|m| matches!(m, ChatMessage::User(_)))
                .map_or(self.history.len(), |i| i + 1);
            for m in self.history.drain(..end) {
                bytes -= message_bytes(&m);
                if let ChatMessage::Assistant { tool_calls, .. } = m {
                    let ids: Vec<String> = tool_calls.into_iter().map(|c| c.id).collect();
                    self.tool_calls.retain(|r| !ids.contains(&r.id));
                }
            }
            turns -= 1;
            dropped += 1;
        }
        self.dropped_turns += dropped as u64;
        dropped
    }

    /// The JSON view served by `GET /v1/sessions/{id}`.
    pub fn to_json(&self) -> Value {
        let messages: Vec<Value> = self
            .history
            .iter()
            .map(|m| match m {
                ChatMessage::System(c) => serde_json::json!({"role": "system", "content": c}),
                ChatMessage::User(c) => serde_json::json!({"role": "user", "content": c}),
                ChatMessage::Assistant {
                    content,
                    tool_calls,
                } => serde_json::json!({
                    "role": "assistant",
                    "content": content,
                    "tool_call_ids": tool_calls.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
                }),
                ChatMessage::Tool {
                    call_id,
                    name,
                    content,
                } => serde_json::json!({
                    "role": "tool", "tool_call_id": call_id, "name": name, "content": content,
                }),
            })
            .collect();
        serde_json::json!({
            "id": &*self.id,
            "agent": &*self.agent,
            "created_at": humantime::format_rfc3339_millis(self.created_at).to_string(),
            "messages": messages,
            "tool_calls": self.tool_calls,
            "dropped_turns": self.dropped_turns,
        })
    }
}

/// A shared session; its lock is held for a whole turn, so turns of one session run one at
/// a time and see each other's messages.
pub type SharedSession = Arc<tokio::sync::Mutex<Session>>;

#[derive(Debug)]
struct Entry {
    session: SharedSession,
    /// Milliseconds since the store's epoch when it was last used.
    last_used_ms: AtomicU64,
}

#[derive(Debug, Default)]
struct Sessions {
    by_id: HashMap<Arc<str>, Arc<Entry>>,
    /// When expired sessions were last swept (ms since the epoch).
    last_sweep_ms: u64,
}

/// Sessions by id, bounded by [`SessionLimits::max_sessions`] and
/// [`SessionLimits::idle_timeout`].
#[derive(Debug)]
pub struct SessionStore {
    sessions: RwLock<Sessions>,
    limits: SessionLimits,
    epoch: Instant,
}

/// The store is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreFull {
    /// The configured maximum.
    pub max_sessions: usize,
    /// When a slot frees at the latest without anyone deleting: the oldest idle session's
    /// expiry, rounded up to whole seconds (at least 1).
    pub retry_after: Duration,
}

impl SessionStore {
    /// An empty store with these limits.
    pub fn new(limits: SessionLimits) -> Self {
        Self {
            sessions: RwLock::default(),
            limits,
            epoch: Instant::now(),
        }
    }

    /// The limits.
    pub fn limits(&self) -> &SessionLimits {
        &self.limits
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn idle_ms(&self) -> u64 {
        u64::try_from(self.limits.idle_timeout.as_millis()).unwrap_or(u64::MAX)
    }

    /// Creates a session for `agent` with a fresh id: a random UUID v4 (122 random bits
    /// from the operating system's generator, RFC 9562 section 5.4). Expired sessions are
    /// swept first when the store is full or the last sweep is older than a tenth of the
    /// idle timeout, so the sweep's cost is spread out.
    ///
    /// # Errors
    /// [`StoreFull`] when `max_sessions` live sessions exist already.
    pub fn create(&self, agent: Arc<str>) -> Result<Arc<str>, StoreFull> {
        let now = self.now_ms();
        let idle = self.idle_ms();
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        let full = sessions.by_id.len() >= self.limits.max_sessions;
        if full || now.saturating_sub(sessions.last_sweep_ms) >= idle / 10 {
            sessions
                .by_id
                .retain(|_, e| now.saturating_sub(e.last_used_ms.load(Ordering::Relaxed)) < idle);
            sessions.last_sweep_ms = now;
        }
        if sessions.by_id.len() >= self.limits.max_sessions {
            let oldest = sessions
                .by_id
                .values()
                .map(|e| e.last_used_ms.load(Ordering::Relaxed))
                .min()
                .unwrap_or(now);
            let wait_ms = (oldest.saturating_add(idle)).saturating_sub(now);
            return Err(StoreFull {
                max_sessions: self.limits.max_sessions,
                retry_after: Duration::from_secs(wait_ms.div_ceil(1000).max(1)),
            });
        }
        let id: Arc<str> = uuid::Uuid::new_v4().to_string().into();
        let session = Session {
            id: id.clone(),
            agent,
            created_at: SystemTime::now(),
            history: Vec::new(),
            tool_calls: Vec::new(),
            dropped_turns: 0,
        };
        sessions.by_id.insert(
            id.clone(),
            Arc::new(Entry {
                session: Arc::new(tokio::sync::Mutex::new(session)),
                last_used_ms: AtomicU64::new(now),
            }),
        );
        Ok(id)
    }

    /// The live session with `id`, marked as used now; `None` when there is none or it
    /// expired (an expired one is removed).
    pub fn get(&self, id: &str) -> Option<SharedSession> {
        let now = self.now_ms();
        let entry = self
            .sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_id
            .get(id)
            .cloned()?;
        let last = entry.last_used_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= self.idle_ms() {
            let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
            if sessions
                .by_id
                .get(id)
                .is_some_and(|e| Arc::ptr_eq(e, &entry))
            {
                sessions.by_id.remove(id);
            }
            return None;
        }
        entry.last_used_ms.fetch_max(now, Ordering::Relaxed);
        Some(entry.session.clone())
    }

    /// How many sessions are held (expired ones not yet swept included).
    pub fn len(&self) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .by_id
            .len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
