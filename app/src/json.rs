//! The one JSON decoder of the browser bundle.
//!
//! Server function replies arrive as bytes and are read with
//! `serde_json::from_slice`; Leptos' default codec reads hydration data
//! with `serde_json::from_str`. Each reader is a separate instantiation of
//! every reply type's `Deserialize`, so the same types were compiled twice.
//! [`Json`] reads hydration data through the byte reader too, and
//! [`resource`] is `Resource::new` with it.
//!
//! See docs/decisions/0003-one-json-reader.md for why this exists and when to remove it.

use leptos::{
    prelude::*,
    server::codee::{Decoder, Encoder},
};
use serde::{Serialize, de::DeserializeOwned};

/// JSON, written as text and read as bytes (see the module documentation).
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(text.as_bytes())
    }
}

/// `Resource::new`, with its value read by the byte reader.
#[track_caller]
pub fn resource<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Resource<T, Json>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Sample {
        text: String,
        n: Option<u64>,
    }

    #[test]
    fn what_is_written_reads_back() {
        let sample = Sample {
            text: "é \"quoted\" </script>".into(),
            n: Some(7),
        };
        let text = <Json as Encoder<Sample>>::encode(&sample).unwrap();
        assert_eq!(<Json as Decoder<Sample>>::decode(&text).unwrap(), sample);
        assert!(<Json as Decoder<Sample>>::decode("{\"text\":1}").is_err());
    }
}
