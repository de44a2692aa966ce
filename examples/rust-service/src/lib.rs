//! rust-service: a key-value store speaking a line protocol, small enough to read in one sitting
//! and with two things for a heap profile to show: every request folds its key to lower case
//! (a temporary allocation per GET and DEL, the hot spot), and the store's keys and values
//! are what is live when the service exits.
//!
//! Requests, one per line: `SET key value`, `GET key`, `DEL key`, `QUIT`.
use std::collections::HashMap;
use std::io::{self, Write};

pub struct Store {
    map: HashMap<String, String>,
}

/// Keys are case-insensitive: each request folds its key to lower case first. One allocation
/// of the key's length for an ASCII key (none for an empty key); a stored key keeps no spare
/// capacity (to_lowercase may reserve more than it needs for other scripts).
#[inline(never)]
pub fn fold_key(key: &str) -> String {
    let mut k = key.to_lowercase();
    k.shrink_to_fit();
    k
}

impl Store {
    /// A store sized for `n` keys up front: one allocation here, none when inserting up to `n`.
    pub fn with_capacity(n: usize) -> Store {
        Store { map: HashMap::with_capacity(n) }
    }

    /// Two allocations, the folded key and the value; for a key already there, the new folded
    /// key is dropped at once and the old value freed.
    #[inline(never)]
    pub fn set(&mut self, key: &str, value: &str) {
        self.map.insert(fold_key(key), value.to_string());
    }

    #[inline(never)]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(&fold_key(key)).map(|v| v.as_str())
    }

    #[inline(never)]
    pub fn del(&mut self, key: &str) -> bool {
        self.map.remove(&fold_key(key)).is_some()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Answers one request on `out`; false for QUIT.
    pub fn handle(&mut self, line: &str, out: &mut impl Write) -> io::Result<bool> {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("SET"), Some(k), Some(v)) => {
                self.set(k, v);
                writeln!(out, "OK")?;
            }
            (Some("GET"), Some(k), None) => match self.get(k) {
                Some(v) => writeln!(out, "VALUE {v}")?,
                None => writeln!(out, "NONE")?,
            },
            (Some("DEL"), Some(k), None) => {
                let r = if self.del(k) { "OK" } else { "NONE" };
                writeln!(out, "{r}")?;
            }
            (Some("QUIT"), None, None) => {
                writeln!(out, "BYE")?;
                return Ok(false);
            }
            _ => writeln!(out, "ERROR")?,
        }
        Ok(true)
    }
}
