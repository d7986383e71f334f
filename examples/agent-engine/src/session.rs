//! The in-memory session store.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde::Serialize;
use serde_json::Value;

use crate::model::ChatMessage;

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
    /// The session id (`gen_ai.conversation.id`), shared like the agent name.
    pub id: Arc<str>,
    /// The agent's name (`gen_ai.agent.name`), shared: every turn's `invoke_agent` span and
    /// metrics carry it without copying it.
    pub agent: Arc<str>,
    /// When it was created.
    pub created_at: SystemTime,
    /// User, assistant and tool messages, oldest first.
    pub history: Vec<ChatMessage>,
    /// Every tool call, oldest first.
    pub tool_calls: Vec<ToolCallRecord>,
}

impl Session {
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
        })
    }
}

/// A shared session; its lock is held for a whole turn, so turns of one session run one at
/// a time and see each other's messages.
pub type SharedSession = Arc<tokio::sync::Mutex<Session>>;

/// Sessions by id, bounded by a maximum count.
#[derive(Debug)]
pub struct SessionStore {
    sessions: RwLock<HashMap<Arc<str>, SharedSession>>,
    max_sessions: usize,
}

/// The store is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreFull {
    /// The configured maximum.
    pub max_sessions: usize,
}

impl SessionStore {
    /// An empty store holding at most `max_sessions`.
    pub fn new(max_sessions: usize) -> Self {
        Self {
            sessions: RwLock::default(),
            max_sessions,
        }
    }

    /// Creates a session for `agent` with a fresh random id (128 bits, hex).
    ///
    /// # Errors
    /// [`StoreFull`] when `max_sessions` exist already.
    pub fn create(&self, agent: Arc<str>) -> Result<Arc<str>, StoreFull> {
        let mut sessions = self.sessions.write().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= self.max_sessions {
            return Err(StoreFull {
                max_sessions: self.max_sessions,
            });
        }
        let id: Arc<str> = format!("{:032x}", fastrand::u128(..)).into();
        let session = Session {
            id: id.clone(),
            agent,
            created_at: SystemTime::now(),
            history: Vec::new(),
            tool_calls: Vec::new(),
        };
        sessions.insert(id.clone(), Arc::new(tokio::sync::Mutex::new(session)));
        Ok(id)
    }

    /// The session with `id`.
    pub fn get(&self, id: &str) -> Option<SharedSession> {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// How many sessions exist.
    pub fn len(&self) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
