//! What a record says, in types both the server and the browser build
//! use: the audit view reads these, not strings that mirror them.

use serde::{Deserialize, Serialize};

/// A scale-up, a scale-down, or the app paused or resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Up,
    Down,
    Pause,
    Resume,
}

impl Action {
    pub const ALL: [Action; 4] = [Action::Up, Action::Down, Action::Pause, Action::Resume];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::Pause => "pause",
            Action::Resume => "resume",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// Recorded, platform call not finished yet.
    Pending,
    /// The platform did it.
    Done,
    /// The console refused before calling the platform.
    Rejected,
    /// The platform refused or could not be reached: nothing happened.
    Failed,
    /// It may or may not have happened (time-out, or the console stopped
    /// during the call).
    Unknown,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Pending,
        Outcome::Done,
        Outcome::Rejected,
        Outcome::Failed,
        Outcome::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Done => "done",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}
